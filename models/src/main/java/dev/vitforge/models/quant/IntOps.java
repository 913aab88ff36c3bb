package dev.vitforge.models.quant;

/**
 * Integer-only non-linear kernels after I-BERT (Kim et al., ICML 2021): exp by ln2 range reduction
 * and a second-order polynomial, softmax, GELU by a second-order erf, LayerNorm with a Newton
 * integer square root, and sigmoid. Every scale is a compile-time or layer-time constant; the data
 * path is integer adds, multiplies, shifts, compares and (for normalisation) one divide.
 *
 * <p>Fixed scales: exp, softmax and sigmoid take inputs at {@link #EXP_IN_SCALE} = ln2 / 1024, so
 * the ln2 range reduction is a shift by 10 bits instead of a divide; callers requantise into it.
 */
public final class IntOps {

    /** log2 of the integer that stands for ln2 at the exp input scale. */
    public static final int LN2_BITS = 10;
    /** Scale of exp/softmax/sigmoid inputs: ln2 / 2^10, so -ln2 is exactly -1024. */
    public static final double EXP_IN_SCALE = Math.log(2) / (1 << LN2_BITS);
    /** I-BERT clips exp inputs at -30 ln2 (exp < 1e-9 there): beyond that the result is 0 anyway. */
    public static final int EXP_MIN_INPUT = -30 << LN2_BITS;
    /** I-BERT exp polynomial on [-ln2, 0]: exp(p) ~ A (p + B)^2 + C. */
    static final double EXP_A = 0.3585;
    static final double EXP_B = 1.353;
    static final double EXP_C = 0.344;
    /** B at the exp input scale: the polynomial is (r + EXP_B_INT)^2 + EXP_C_INT (public for hardware generators). */
    public static final long EXP_B_INT = (long) Math.floor(EXP_B / EXP_IN_SCALE);
    /** C over A S^2, the polynomial's constant term at {@link #EXP_OUT_SCALE}. */
    public static final long EXP_C_INT = (long) Math.floor(EXP_C / (EXP_A * EXP_IN_SCALE * EXP_IN_SCALE));
    /** Scale of {@link #exp}'s output, A * S^2: exp(0) comes out near 6.1e6, about 23 bits. */
    public static final double EXP_OUT_SCALE = EXP_A * EXP_IN_SCALE * EXP_IN_SCALE;
    /** Softmax probabilities come out as int8 in [0, 127] at scale 1/127, so a certainty of 1 is exact. */
    public static final int PROB_ONE = 127;
    /** Reciprocal precision of the softmax normaliser: floor(2^48 / sum) keeps >= 13 bits for sums up to 2^35. */
    static final int RECIP_BITS = 48;
    /** Sigmoid outputs are fixed point with this many fraction bits (1.0 = 32768). */
    public static final int SIGMOID_BITS = 15;

    private IntOps() {
    }

    /**
     * exp(x * EXP_IN_SCALE) for x <= 0, at {@link #EXP_OUT_SCALE}: x = -q ln2 + r with r in (-ln2, 0],
     * exp(x) = 2^-q exp(r), exp(r) by the I-BERT polynomial ((r + B_int)^2 + C_int), then >> q.
     */
    public static long exp(int x) {
        if (x > 0) {
            throw new IllegalArgumentException("exp input must be <= 0, got " + x);
        }
        int clipped = Math.max(x, EXP_MIN_INPUT);
        int q = (-clipped) >> LN2_BITS;
        long r = clipped + ((long) q << LN2_BITS);
        long poly = (r + EXP_B_INT) * (r + EXP_B_INT) + EXP_C_INT;
        return poly >> q;
    }

    /**
     * Softmax of one row of int32 scores whose real value is {@code score * toExp.factor() * EXP_IN_SCALE}
     * ({@code toExp} rescales score differences into the exp input scale, 1/sqrt(d) folded in).
     * Returns probabilities in [0, 127] at scale 1/127, rounded half up.
     */
    public static byte[] softmax(int[] scores, Requant toExp) {
        int max = Integer.MIN_VALUE;
        for (int s : scores) {
            max = Math.max(max, s);
        }
        long[] e = new long[scores.length];
        long sum = 0;
        for (int i = 0; i < scores.length; i++) {
            long x = toExp.apply((long) scores[i] - max);
            e[i] = exp((int) Math.max(x, EXP_MIN_INPUT));
            sum += e[i];
        }
        // One reciprocal per row (the max element alone contributes >= exp(0) ~ 6e6, so sum > 0).
        long recip = (1L << RECIP_BITS) / sum;
        byte[] p = new byte[scores.length];
        long half = 1L << (RECIP_BITS - 1);
        for (int i = 0; i < scores.length; i++) {
            long v = (e[i] * recip * PROB_ONE + half) >> RECIP_BITS;
            p[i] = (byte) Math.min(v, PROB_ONE);
        }
        return p;
    }

    /**
     * Sigmoid of x at {@link #EXP_IN_SCALE}, as a fixed-point number with {@link #SIGMOID_BITS} fraction
     * bits: sigma(-|x|) = e / (e + 1) with e = exp(-|x|), one rounded divide; sigma(|x|) = 1 - sigma(-|x|).
     */
    public static int sigmoid(int x) {
        long e = exp(-Math.abs(Math.max(x, -Integer.MAX_VALUE)));
        long one = Math.round(1.0 / EXP_OUT_SCALE);
        long den = e + one;
        long neg = ((e << SIGMOID_BITS) + den / 2) / den;
        return (int) (x >= 0 ? (1L << SIGMOID_BITS) - neg : neg);
    }

    /**
     * I-BERT's integer GELU for inputs at a fixed scale: gelu(x) = x/2 (1 + erf(x / sqrt 2)) with
     * erf(u) ~ sign(u) (a (min(|u|, -b) + b)^2 + 1), a = -0.2888, b = -1.769.
     */
    public record Gelu(double inScale, long bInt, long cInt, double outScale) {

        static final double A = -0.2888;
        static final double B = -1.769;

        /** Constants for inputs at {@code inScale}; the output scale is positive. */
        public static Gelu of(double inScale) {
            double s = inScale / Math.sqrt(2);
            long bInt = (long) Math.floor(B / s);
            long cInt = (long) Math.floor(1.0 / (A * s * s));
            // erf ~ (A s^2) * erfInt and 1 ~ (A s^2) * cInt; A < 0, so the result is negated to keep the scale positive.
            return new Gelu(inScale, bInt, cInt, -inScale * A * s * s / 2);
        }

        /** gelu(x * inScale) at {@link #outScale}. */
        public long apply(long x) {
            long abs = Math.min(Math.abs(x), -bInt);
            long erf = Long.signum(x) * ((abs + bInt) * (abs + bInt) + cInt);
            return -x * (erf + cInt);
        }
    }

    /** floor(sqrt(n)) for n >= 0 by Newton's iteration from a power of two above the root. */
    public static long sqrt(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("sqrt of negative " + n);
        }
        if (n < 2) {
            return n;
        }
        long x = 1L << ((64 - Long.numberOfLeadingZeros(n) + 1) / 2);
        while (true) {
            long y = (x + n / x) >> 1;
            if (y >= x) {
                return x;
            }
            x = y;
        }
    }

    /**
     * The normalising half of an integer LayerNorm over one row: mean = round(sum / D), y = x - mean,
     * std = isqrt(sum y^2 + epsInt), returns round(y * 2^fracBits / std). The real value of the
     * result is (x - mean) / sqrt(var + eps) times 2^fracBits / sqrt(D), i.e. its scale is
     * sqrt(D) / 2^fracBits; {@code epsInt} = round(D * eps / s^2) for inputs at scale s.
     */
    public static long[] normalize(int[] x, long epsInt, int fracBits) {
        int n = x.length;
        long sum = 0;
        for (int v : x) {
            sum += v;
        }
        long mean = Math.floorDiv(2 * sum + n, 2L * n);
        long[] y = new long[n];
        long var = epsInt;
        for (int i = 0; i < n; i++) {
            y[i] = x[i] - mean;
            var += y[i] * y[i];
        }
        long std = Math.max(1, sqrt(var));
        for (int i = 0; i < n; i++) {
            y[i] = Math.floorDiv((y[i] << (fracBits + 1)) + std, 2 * std);
        }
        return y;
    }
}
