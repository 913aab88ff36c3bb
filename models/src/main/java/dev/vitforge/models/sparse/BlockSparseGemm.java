package dev.vitforge.models.sparse;

import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;

/** The bit-exact reference for a block-sparse linear layer; stateless. */
public final class BlockSparseGemm {

    private BlockSparseGemm() {
    }

    /**
     * Y [M x N] = X [M x K] · (W [N x K] ⊙ mask)ᵀ in int32 with Java's wrap-around, which is what a
     * 32-bit hardware accumulator does. Pruned blocks are skipped, so weights left in them do not
     * count. Integer addition modulo 2³² is associative, so the block order cannot change the result.
     */
    public static Int32Tensor reference(Int8Tensor x, Int8Tensor w, BlockMask mask) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("X must be 2-D [M x K], got shape " + x.shapeString());
        }
        if (w.rank() != 2) {
            throw new IllegalArgumentException("W must be 2-D [N x K], got shape " + w.shapeString());
        }
        int m = x.rows();
        int k = x.cols();
        int n = w.rows();
        if (w.cols() != k) {
            throw new IllegalArgumentException("K differs: X " + x.shapeString() + " has K = " + k
                    + " but W " + w.shapeString() + " has K = " + w.cols());
        }
        mask.requireFits(n, k);

        byte[] xs = x.data();
        byte[] ws = w.data();
        int[] y = new int[m * n];
        int bs = mask.blockSize();
        for (int j = 0; j < mask.outputBlocks(); j++) {
            int n0 = j * bs;
            int n1 = Math.min(n, n0 + bs);
            for (int b : mask.keptInputBlocks(j)) {
                int k0 = b * bs;
                int k1 = Math.min(k, k0 + bs);
                for (int i = 0; i < m; i++) {
                    for (int r = n0; r < n1; r++) {
                        int acc = 0;
                        for (int c = k0; c < k1; c++) {
                            acc += xs[i * k + c] * ws[r * k + c];
                        }
                        y[i * n + r] += acc;
                    }
                }
            }
        }
        return new Int32Tensor(new int[] {m, n}, y);
    }
}
