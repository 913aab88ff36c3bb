package dev.vitforge.models.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FloatMathTest {

    @Test
    void erfMatchesPublishedValues() {
        // Reference values from Abramowitz-Stegun table 7.1 / mpmath, 16 digits.
        double[][] table = {
            {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1.0, 0.8427007929497149},
            {1.5, 0.9661051464753107}, {2.0, 0.9953222650189527}, {3.0, 0.9999779095030014},
            {4.0, 0.9999999845827421}, {5.5, 0.9999999999999927},
        };
        for (double[] row : table) {
            assertEquals(row[1], FloatMath.erf(row[0]), 2e-15, "erf(" + row[0] + ")");
            assertEquals(-row[1], FloatMath.erf(-row[0]), 2e-15, "erf is odd");
        }
        assertEquals(0.0, FloatMath.erf(0.0));
        assertEquals(1.0, FloatMath.erf(7.0));
    }

    @Test
    void geluAndSigmoidKnownPoints() {
        assertEquals(0.8413447460685429, FloatMath.gelu(1.0), 1e-15);
        assertEquals(-0.15865525393145707, FloatMath.gelu(-1.0), 1e-15);
        assertEquals(0.0, FloatMath.gelu(-40.0), 1e-15);
        assertEquals(0.5, FloatMath.sigmoid(0.0));
        assertEquals(0.7310585786300049, FloatMath.sigmoid(1.0), 1e-16);
        assertEquals(1.0 - 0.7310585786300049, FloatMath.sigmoid(-1.0), 1e-16);
    }
}
