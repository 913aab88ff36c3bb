package dev.vitforge.models.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.reference.FloatMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each integer kernel against its float function on a sweep. The bounds are the measured maxima
 * rounded up a little; they are dominated by the I-BERT polynomials (not by rounding), which is
 * why they are the same order as I-BERT reports (exp ~2e-3 relative, GELU erf ~1e-2 absolute).
 */
class IntOpsTest {

    static final boolean VERBOSE = Boolean.getBoolean("vitforge.verbose");

    static void report(String what, double err) {
        if (VERBOSE) {
            System.out.printf("%s: %.3g%n", what, err);
        }
    }

    @Test
    void expRelativeErrorOverTheWholeRange() {
        double worstRel = 0;
        double worstAbs = 0;
        for (int x = IntOps.EXP_MIN_INPUT - 5000; x <= 0; x++) {
            double want = Math.exp(x * IntOps.EXP_IN_SCALE);
            double got = IntOps.exp(x) * IntOps.EXP_OUT_SCALE;
            worstAbs = Math.max(worstAbs, Math.abs(got - want));
            // Relative error only where the >> q truncation (one output unit, 1.6e-7) cannot dominate.
            if (want >= 1e-3) {
                worstRel = Math.max(worstRel, Math.abs(got - want) / want);
            }
        }
        report("exp max rel err (exp >= 1e-3)", worstRel);
        report("exp max abs err", worstAbs);
        assertTrue(worstRel < EXP_REL_BOUND, "exp worst relative error " + worstRel);
        assertTrue(worstAbs < EXP_ABS_BOUND, "exp worst absolute error " + worstAbs);
    }

    static final double EXP_REL_BOUND = 0.004; // polynomial error of 0.3585(p+1.353)^2+0.344 on [-ln2, 0]
    static final double EXP_ABS_BOUND = 0.0022; // the same error at exp(0) = 1, the largest value

    @Test
    void softmaxMatchesFloat() {
        Random rng = new Random(4);
        double worst = 0;
        Requant toExp = Requant.of(0.01 / IntOps.EXP_IN_SCALE); // scores of real scale 0.01
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rng.nextInt(200);
            int[] s = new int[n];
            double spread = 100 + rng.nextInt(1000);
            for (int i = 0; i < n; i++) {
                s[i] = (int) Math.round(rng.nextGaussian() * spread);
            }
            byte[] p = IntOps.softmax(s, toExp);
            double max = Double.NEGATIVE_INFINITY;
            for (int v : s) {
                max = Math.max(max, v * 0.01);
            }
            double sum = 0;
            for (int v : s) {
                sum += Math.exp(v * 0.01 - max);
            }
            for (int i = 0; i < n; i++) {
                double want = Math.exp(s[i] * 0.01 - max) / sum;
                worst = Math.max(worst, Math.abs(p[i] / (double) IntOps.PROB_ONE - want));
            }
        }
        report("softmax max abs err", worst);
        assertTrue(worst < SOFTMAX_ABS_BOUND, "softmax worst " + worst);
    }

    static final double SOFTMAX_ABS_BOUND = 0.005; // half an output step (1/254) plus the exp error

    @Test
    void geluAcrossScales() {
        for (double scale : new double[] {1e-4, 3e-4, 1e-3}) {
            IntOps.Gelu g = IntOps.Gelu.of(scale);
            double worst = 0;
            for (long x = -(long) (8 / scale); x <= (long) (8 / scale); x++) {
                double want = FloatMath.gelu(x * scale);
                double got = g.apply(x) * g.outScale();
                worst = Math.max(worst, Math.abs(got - want));
            }
            report("gelu max abs err at scale " + scale, worst);
            assertTrue(worst < GELU_ABS_BOUND, "gelu worst " + worst + " at scale " + scale);
        }
    }

    static final double GELU_ABS_BOUND = 0.019; // the I-BERT erf polynomial itself (I-BERT reports 1.8e-2)

    @Test
    void sigmoidSweep() {
        double worst = 0;
        for (int x = -40000; x <= 40000; x++) {
            double want = FloatMath.sigmoid(x * IntOps.EXP_IN_SCALE);
            double got = IntOps.sigmoid(x) / (double) (1 << IntOps.SIGMOID_BITS);
            worst = Math.max(worst, Math.abs(got - want));
        }
        report("sigmoid max abs err", worst);
        assertTrue(worst < SIGMOID_ABS_BOUND, "sigmoid worst " + worst);
    }

    static final double SIGMOID_ABS_BOUND = 0.001; // exp error damped by e/(1+e)^2 <= 1/4, plus 2^-16

    @Test
    void sqrtIsExactFloor() {
        for (long n = 0; n < 200_000; n++) {
            long r = IntOps.sqrt(n);
            assertTrue(r * r <= n && (r + 1) * (r + 1) > n, "isqrt(" + n + ") = " + r);
        }
        Random rng = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            long n = rng.nextLong() >>> (1 + rng.nextInt(40));
            long r = IntOps.sqrt(n);
            assertTrue(Math.multiplyHigh(r, r) == 0 && r * r <= n, "isqrt(" + n + ") = " + r);
            long r1 = r + 1;
            assertTrue(Math.multiplyHigh(r1, r1) != 0 || r1 * r1 > n || r1 * r1 < 0, "isqrt(" + n + ") = " + r);
        }
        assertEquals(3037000499L, IntOps.sqrt(Long.MAX_VALUE));
    }

    @Test
    void normalizeMatchesFloatLayerNorm() {
        Random rng = new Random(2);
        double worst = 0;
        for (int trial = 0; trial < 200; trial++) {
            int n = 64 + rng.nextInt(700);
            double s = 1e-4; // input scale
            int[] x = new int[n];
            double offset = rng.nextGaussian() * 2;
            double spread = 0.05 + rng.nextDouble() * 3;
            for (int i = 0; i < n; i++) {
                x[i] = (int) Math.round((offset + spread * rng.nextGaussian()) / s);
            }
            long epsInt = Math.round(n * 1e-6 / (s * s));
            long[] y = IntOps.normalize(x, epsInt, 16);
            double mean = 0;
            for (int v : x) {
                mean += v * s;
            }
            mean /= n;
            double var = 0;
            for (int v : x) {
                var += (v * s - mean) * (v * s - mean);
            }
            var /= n;
            double outScale = Math.sqrt(n) / 65536.0;
            for (int i = 0; i < n; i++) {
                double want = (x[i] * s - mean) / Math.sqrt(var + 1e-6);
                worst = Math.max(worst, Math.abs(y[i] * outScale - want));
            }
        }
        report("layernorm max abs err", worst);
        assertTrue(worst < LN_ABS_BOUND, "layernorm worst " + worst);
    }

    static final double LN_ABS_BOUND = 0.0012; // output step sqrt(D)/2^17 plus the floor of isqrt
}
