package dev.vitforge.models.quant;

import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;

/**
 * The seam where every matrix product of the integer model is computed: Y [M x N] = X [M x K] ·
 * W [N x K]^T with int32 accumulation (wrap-around, like a 32-bit hardware accumulator). A device
 * (the block-sparse GEMM engine, a simulator) substitutes itself here and must match {@link #JAVA}
 * bit for bit. Bias, requantisation and everything non-linear stay outside.
 *
 * <p>Layer names: the timm linear layers ({@code patch_embed.proj}, {@code blocks.i.attn.qkv},
 * {@code blocks.i.attn.proj}, {@code blocks.i.mlp.fc1}, {@code blocks.i.mlp.fc2}, {@code head}) and the
 * attention products per head h, {@code blocks.i.attn.qk.h} (X = q, W = k) and
 * {@code blocks.i.attn.av.h} (X = probabilities, W = v transposed).
 */
@FunctionalInterface
public interface LinearExecutor {

    Int32Tensor run(String layer, Int8Tensor x, Int8Tensor w);

    /** The plain Java triple loop. */
    LinearExecutor JAVA = (layer, x, w) -> {
        int m = x.rows();
        int k = x.cols();
        int n = w.rows();
        if (w.cols() != k) {
            throw new IllegalArgumentException(layer + ": X " + x.shapeString() + " and W " + w.shapeString()
                    + " differ in K");
        }
        byte[] xs = x.data();
        byte[] ws = w.data();
        int[] y = new int[m * n];
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < n; o++) {
                int acc = 0;
                for (int c = 0; c < k; c++) {
                    acc += xs[i * k + c] * ws[o * k + c];
                }
                y[i * n + o] = acc;
            }
        }
        return new Int32Tensor(new int[] {m, n}, y);
    };
}
