package dev.vitforge.hwgen.plan;

import dev.vitforge.models.sparse.BlockMask;

/** One matrix product the GEMM engine must run: Y[m x n] = X[m x k] (W[n x k] * mask)^T. */
public record GemmLayer(String name, int m, int k, int n, BlockMask mask) {
    public GemmLayer {
        if (m < 1 || k < 1 || n < 1) {
            throw new IllegalArgumentException("layer " + name + ": m, k and n must be positive, got " + m + ", " + k + ", " + n);
        }
        mask.requireFits(n, k);
    }
}
