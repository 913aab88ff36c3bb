package dev.vitforge.models.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockSparseGemmTest {

    /** The obvious triple loop over the mask expanded to single weights, independent of the block walk. */
    private static Int32Tensor naive(Int8Tensor x, Int8Tensor w, BlockMask mask) {
        int m = x.rows();
        int k = x.cols();
        int n = w.rows();
        int b = mask.blockSize();
        int[] y = new int[m * n];
        for (int i = 0; i < m; i++) {
            for (int r = 0; r < n; r++) {
                int acc = 0;
                for (int c = 0; c < k; c++) {
                    int weight = mask.isKept(r / b, c / b) ? w.get(r, c) : 0;
                    acc += x.get(i, c) * weight;
                }
                y[i * n + r] = acc;
            }
        }
        return new Int32Tensor(new int[] {m, n}, y);
    }

    private static Int8Tensor random(Random rng, int rows, int cols) {
        byte[] d = new byte[rows * cols];
        rng.nextBytes(d);
        return new Int8Tensor(new int[] {rows, cols}, d);
    }

    @Test
    void matchesNaiveOnSeededRandomShapes() {
        Random rng = new Random(2024);
        int cases = 0;
        for (int bs : new int[] {8, 16, 32}) {
            for (int trial = 0; trial < 12; trial++) {
                int m = trial == 0 ? 1 : 1 + rng.nextInt(9);
                int n = 1 + rng.nextInt(3 * bs);   // mostly not a multiple of B
                int k = 1 + rng.nextInt(3 * bs);
                Int8Tensor x = random(rng, m, k);
                Int8Tensor w = random(rng, n, k); // pruned blocks still hold weights: the mask must skip them
                for (BlockMask mask : new BlockMask[] {
                        BlockMask.random(rng.nextLong(), rng.nextDouble(), bs, n, k),
                        BlockMask.random(rng.nextLong(), 0.5, bs, n, k),
                        BlockMask.full(bs, n, k),
                        BlockMask.empty(bs, n, k)}) {
                    assertEquals(naive(x, w, mask), BlockSparseGemm.reference(x, w, mask),
                            "B=" + bs + " M=" + m + " N=" + n + " K=" + k + " " + mask);
                    cases++;
                }
            }
        }
        assertEquals(144, cases);
    }

    @Test
    void emptyMaskGivesZerosAndFullMaskIsDenseGemm() {
        Int8Tensor x = Int8Tensor.ofInts(new int[] {1, 3}, 1, 2, 3);
        Int8Tensor w = Int8Tensor.ofInts(new int[] {2, 3}, 1, 0, -1, 4, 5, 6);
        assertEquals(Int32Tensor.matrix(1, 2, -2, 32), BlockSparseGemm.reference(x, w, BlockMask.full(8, 2, 3)));
        assertEquals(Int32Tensor.zeros(1, 2), BlockSparseGemm.reference(x, w, BlockMask.empty(8, 2, 3)));
        // Masks derived from the weights themselves change nothing.
        assertEquals(Int32Tensor.matrix(1, 2, -2, 32), BlockSparseGemm.reference(x, w, BlockMask.fromWeights(w, 1)));
    }

    @Test
    void accumulatesWithInt32WrapAround() {
        int k = 140_000; // 140000 * 16384 > 2^31, so the sum must wrap exactly like a 32-bit accumulator
        byte[] ones = new byte[k];
        Arrays.fill(ones, Byte.MIN_VALUE);
        Int8Tensor x = new Int8Tensor(new int[] {1, k}, ones);
        Int8Tensor w = new Int8Tensor(new int[] {1, k}, ones);
        int expected = (int) (16384L * k);
        assertEquals(Int32Tensor.matrix(1, 1, expected), BlockSparseGemm.reference(x, w, BlockMask.full(32, 1, k)));
    }

    @Test
    void rejectsMismatchedShapes() {
        Int8Tensor x = Int8Tensor.zeros(4, 10);
        Int8Tensor w = Int8Tensor.zeros(6, 12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockSparseGemm.reference(x, w, BlockMask.full(8, 6, 12)));
        assertEquals("K differs: X (4, 10) has K = 10 but W (6, 12) has K = 12", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BlockSparseGemm.reference(x, Int8Tensor.zeros(6, 10), BlockMask.full(8, 20, 10)));
        assertEquals("mask is 3 x 2 blocks of 8 but W [6 x 10] needs 1 x 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BlockSparseGemm.reference(Int8Tensor.zeros(10), w, BlockMask.full(8, 6, 12)));
        assertEquals("X must be 2-D [M x K], got shape (10,)", e.getMessage());
    }
}
