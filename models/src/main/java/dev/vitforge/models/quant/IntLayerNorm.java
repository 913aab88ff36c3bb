package dev.vitforge.models.quant;

/**
 * An integer LayerNorm from the residual stream (int32 at scale {@code inScale}) to int8: the
 * normalisation of {@link IntOps#normalize}, then gamma as int16 (per-tensor scale) and beta as
 * int32 at the product scale, then one requantisation to the next layer's input scale.
 */
public record IntLayerNorm(int[] gamma, long[] beta, long epsInt, Requant out) {

    /** Fraction bits of the normalised value: |y / std| <= 1, so 16 bits keep it in 17 with a sign. */
    public static final int FRAC_BITS = 16;
    static final int GAMMA_BITS = 14;

    static IntLayerNorm of(double[] gamma, double[] beta, double eps, double inScale, double outScale) {
        int n = gamma.length;
        double gMax = 0;
        for (double g : gamma) {
            gMax = Math.max(gMax, Math.abs(g));
        }
        double sGamma = gMax > 0 ? gMax / (1 << GAMMA_BITS) : 1.0;
        double sNorm = Math.sqrt(n) / (1 << FRAC_BITS);
        int[] gq = new int[n];
        long[] bq = new long[n];
        for (int c = 0; c < n; c++) {
            gq[c] = (int) Math.round(gamma[c] / sGamma);
            bq[c] = Math.round(beta[c] / (sNorm * sGamma));
        }
        long epsInt = Math.round(n * eps / (inScale * inScale));
        return new IntLayerNorm(gq, bq, epsInt, Requant.of(sNorm * sGamma / outScale));
    }

    public byte[] apply(int[] row) {
        long[] y = IntOps.normalize(row, epsInt, FRAC_BITS);
        byte[] out = new byte[y.length];
        for (int c = 0; c < y.length; c++) {
            out[c] = this.out.toInt8(y[c] * gamma[c] + beta[c]);
        }
        return out;
    }
}
