package dev.vitforge.models.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantRequantTest {

    /** floor((x * m + 2^(shift-1)) / 2^shift) in arbitrary precision. */
    private static long exact(long x, Requant r) {
        BigInteger v = BigInteger.valueOf(x).multiply(BigInteger.valueOf(r.multiplier()))
                .add(BigInteger.ONE.shiftLeft(r.shift() - 1));
        return v.shiftRight(r.shift()).longValueExact();
    }

    @Test
    void applyIsExactRoundHalfUp() {
        Random rng = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            double f = Math.pow(2, -60 + rng.nextDouble() * 85);
            Requant r = Requant.of(f);
            long x = rng.nextLong() >> rng.nextInt(64);
            // Keep the result inside a long so the reference's longValueExact is defined.
            if (Math.abs((double) x * r.factor()) > 0x1p62) {
                continue;
            }
            assertEquals(exact(x, r), r.apply(x), "x=" + x + " r=" + r);
        }
    }

    @Test
    void halvesRoundUp() {
        Requant half = Requant.of(0.5);
        assertEquals(2, half.apply(3)); // 1.5 -> 2
        assertEquals(-1, half.apply(-3)); // -1.5 -> -1
        assertEquals(3, half.apply(5));
        assertEquals(-2, half.apply(-5));
    }

    @Test
    void multiplierIsNormalisedAndAccurate() {
        Random rng = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            double f = Math.pow(2, -40 + rng.nextDouble() * 68);
            Requant r = Requant.of(f);
            assertTrue(r.multiplier() >= 1 << 30, r.toString());
            assertEquals(f, r.factor(), f * 0x1p-30);
        }
        assertEquals(0, Requant.of(0).apply(123456));
        assertThrows(IllegalArgumentException.class, () -> Requant.of(0x1p29));
        assertThrows(IllegalArgumentException.class, () -> Requant.of(-1));
    }

    @Test
    void saturatesToInt8() {
        Requant one = Requant.of(1.0);
        assertEquals(127, one.toInt8(1000));
        assertEquals(-128, one.toInt8(-1000));
        assertEquals(-7, one.toInt8(-7));
    }
}
