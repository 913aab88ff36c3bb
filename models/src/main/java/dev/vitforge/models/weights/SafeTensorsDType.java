package dev.vitforge.models.weights;

/**
 * The safetensors dtypes vitforge reads, spelled as in the header. Half-precision floats are
 * widened to float32 on read (exactly: every F16 and BF16 value is a float32 value) and rounded
 * to nearest-even on write.
 */
public enum SafeTensorsDType {
    F32(4), F16(2), BF16(2), I8(1);

    private final int itemSize;

    SafeTensorsDType(int itemSize) {
        this.itemSize = itemSize;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    public boolean isFloat() {
        return this != I8;
    }

    /** The dtype spelled {@code header} in a file header, or null when vitforge cannot read it. */
    static SafeTensorsDType fromHeader(String header) {
        for (SafeTensorsDType t : values()) {
            if (t.name().equals(header)) {
                return t;
            }
        }
        return null;
    }

    /** float16 bits to float32, exact for every value including subnormals, infinities and NaN. */
    static float f16ToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            float v = mant * 0x1p-24f; // zero or subnormal: mant units of 2^-24, exact in float32
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** float32 to float16 bits, round to nearest even; too-large values become infinity (callers reject them). */
    static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int full = mant | 0x800000; // the implicit leading one
            int shift = 14 - e;
            return (short) (sign | roundShift(full, shift));
        }
        // Rounding may carry into the exponent, which is exactly right (up to infinity).
        return (short) (sign | roundShift((e << 23) | mant, 13));
    }

    /** bfloat16 bits to float32: the top half of a float32. */
    static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 to bfloat16 bits, round to nearest even. */
    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) (roundShift(bits & 0x7FFFFFFF, 16) | ((bits >>> 16) & 0x8000));
    }

    /** {@code value >> shift}, rounded to nearest with ties to even. */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) == 1)) {
            kept++;
        }
        return kept;
    }
}
