package dev.vitforge.models.quant;

/**
 * A real factor held as {@code multiplier * 2^-shift}, multiplier in [2^30, 2^31) (an int32), the
 * way hardware rescales an integer from one scale to another.
 *
 * <p>Rounding is round-half-up (add 2^(shift-1), then an arithmetic shift right, i.e. floor), one
 * adder and no sign logic; -2.5 rounds to -2 and 2.5 to 3. The product is formed exactly in 128
 * bits, so any long input is rescaled without overflow; the caller saturates to its target width.
 */
public record Requant(int multiplier, int shift) {

    /** Factors below this are treated as zero (the shift would exceed 126). */
    private static final double MIN_FACTOR = 0x1p-95;

    public Requant {
        if (multiplier != 0 && (multiplier < (1 << 30) || shift < 1 || shift > 126)) {
            throw new IllegalArgumentException("multiplier " + multiplier + " / shift " + shift + " out of range");
        }
    }

    /** The nearest representable factor; factors >= 2^29 are rejected since they mean a badly chosen scale. */
    public static Requant of(double factor) {
        if (!(factor >= 0) || factor >= 0x1p29) {
            throw new IllegalArgumentException("requantisation factor " + factor + " must lie in [0, 2^29)");
        }
        if (factor < MIN_FACTOR) {
            return new Requant(0, 1);
        }
        int exp = Math.getExponent(factor); // factor = 1.m * 2^exp
        int shift = 30 - exp;
        long m = Math.round(factor * Math.pow(2, shift)); // exact power-of-two scaling, then one rounding
        if (m == (1L << 31)) {
            m >>= 1;
            shift--;
        }
        return new Requant((int) m, shift);
    }

    /** The factor this represents. */
    public double factor() {
        return multiplier * Math.pow(2, -shift);
    }

    /** round-half-up(x * multiplier / 2^shift), exact for every long x whose result fits a long. */
    public long apply(long x) {
        if (multiplier == 0) {
            return 0;
        }
        long lo = x * multiplier;
        long hi = Math.multiplyHigh(x, multiplier);
        long half = 1L << (shift - 1 & 63);
        if (shift - 1 >= 64) {
            hi += 1L << (shift - 1 - 64);
        } else {
            long sum = lo + half;
            if (Long.compareUnsigned(sum, lo) < 0) {
                hi++;
            }
            lo = sum;
        }
        if (shift < 64) {
            return (lo >>> shift) | (hi << (64 - shift));
        }
        return hi >> (shift - 64);
    }

    /** {@link #apply} saturated to int8, the input of the next linear layer. */
    public byte toInt8(long x) {
        return (byte) saturate(apply(x), -128, 127);
    }

    /** {@link #apply} saturated to int32, e.g. into the residual stream. */
    public int toInt32(long x) {
        return (int) saturate(apply(x), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    public static long saturate(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
