package dev.vitforge.models.reference;

/** Scalar functions of the float reference in double precision: erf, exact GELU, sigmoid. */
public final class FloatMath {

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double SQRT_HALF = 0.7071067811865476;

    private FloatMath() {
    }

    /**
     * erf to about 1e-15 absolute. Uses erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (2n+1)!!,
     * whose terms are all positive, so unlike the plain Taylor series it loses nothing to cancellation.
     * Abramowitz-Stegun 7.1.26 (1.5e-7) would be too coarse to serve as ground truth. Beyond |x| = 6,
     * erfc(x) < 2.2e-17, below half an ulp of 1, so erf rounds to exactly +-1.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax >= 6.0) {
            return Math.copySign(1.0, x);
        }
        double x2 = ax * ax;
        double term = ax;
        double sum = ax;
        for (int n = 0; n < 500; n++) {
            term *= 2.0 * x2 / (2 * n + 3);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        double r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        return Math.copySign(Math.min(r, 1.0), x);
    }

    /** The exact (erf) GELU of timm's nn.GELU: 0.5 x (1 + erf(x / sqrt 2)). */
    public static double gelu(double x) {
        return 0.5 * x * (1.0 + erf(x * SQRT_HALF));
    }

    /** Logistic sigmoid, written so neither branch overflows exp. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
