package dev.vitforge.models.quant;

import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;

/**
 * One linear layer in int8: weights [out x in] with a symmetric scale per output channel
 * (max-abs / 127, so a pruned all-zero block stays exactly zero), the per-tensor scale of its
 * input, and the bias in int32 at the accumulator's scale, round(b / (s_x s_w)).
 */
public record QuantLinear(String name, Int8Tensor weight, int[] bias, double inScale, double[] weightScales) {

    public QuantLinear {
        bias = bias.clone();
        weightScales = weightScales.clone();
    }

    /** Quantises float weights {@code w} [out x in] (row-major) and bias for inputs at {@code inScale}. */
    public static QuantLinear of(String name, double[] w, double[] b, int out, int in, double inScale) {
        byte[] q = new byte[out * in];
        double[] scales = new double[out];
        int[] bias = new int[out];
        for (int o = 0; o < out; o++) {
            double max = 0;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, Math.abs(w[o * in + i]));
            }
            scales[o] = max > 0 ? max / 127.0 : 1.0;
            for (int i = 0; i < in; i++) {
                q[o * in + i] = (byte) Math.max(-127, Math.min(127, Math.round(w[o * in + i] / scales[o])));
            }
            double bq = Math.rint(b[o] / (inScale * scales[o]));
            bias[o] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, bq));
        }
        return new QuantLinear(name, new Int8Tensor(new int[] {out, in}, q), bias, inScale, scales);
    }

    public int outFeatures() {
        return weightScales.length;
    }

    /** The real value of one accumulator step of output channel {@code o}: s_x * s_w[o]. */
    public double accScale(int o) {
        return inScale * weightScales[o];
    }

    /** X · W^T through {@code exec}, plus the bias (int32, wrapping like the accumulator): [M x out] row-major. */
    public int[] run(LinearExecutor exec, Int8Tensor x) {
        Int32Tensor y = exec.run(name, x, weight);
        int n = outFeatures();
        if (y.rank() != 2 || y.rows() != x.rows() || y.cols() != n) {
            throw new IllegalStateException(name + ": executor returned " + y.shapeString() + ", expected ("
                    + x.rows() + ", " + n + ")");
        }
        int[] acc = y.data();
        for (int i = 0; i < acc.length; i++) {
            acc[i] += bias[i % n];
        }
        return acc;
    }

    /** Per-channel requantisers from this layer's accumulator to an output at {@code outScale}. */
    public Requant[] requantTo(double outScale) {
        Requant[] r = new Requant[outFeatures()];
        for (int o = 0; o < r.length; o++) {
            r[o] = Requant.of(accScale(o) / outScale);
        }
        return r;
    }
}
