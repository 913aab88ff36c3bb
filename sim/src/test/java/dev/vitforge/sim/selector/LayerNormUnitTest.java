package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.models.quant.IntLayerNorm;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.tools.Lint;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector LayerNorm unit against models' IntLayerNorm, row for row and bit for bit: widths
 * that are and are not powers of two, one-element rows (y = 0), constant rows, wide and narrow
 * inputs, saturating and zero requantisation, random backpressure; cycles equal the model's.
 */
class LayerNormUnitTest {
    static final int MAX_WIDTH = 64;
    static final Design DESIGN = LayerNormUnit.design(MAX_WIDTH);

    @ParameterizedTest(name = "width {0}, rows {1}, |x| < 2^{2}, valid {3}% ready {4}%")
    @CsvSource({"64, 6, 20, 100, 100", "1, 3, 12, 100, 100", "20, 5, 27, 70, 40", "7, 9, 8, 50, 90",
            "64, 4, 27, 90, 20", "3, 2, 4, 100, 100"})
    void matchesTheReference(int width, int rows, int bits, int validPct, int readyPct) {
        long seed = Seeds.of("layernorm", 31L * width + rows);
        String replay = Seeds.replay("sim", "LayerNormUnitTest", seed);
        Random rnd = new Random(seed);
        int[] gamma = new int[width];
        long[] beta = new long[width];
        for (int c = 0; c < width; c++) {
            gamma[c] = rnd.nextInt(1 << 15) - (1 << 14);
            beta[c] = rnd.nextLong() >> (24 + rnd.nextInt(20));
        }
        long eps = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1 << 20);
        Requant out = rows % 2 == 0 ? Requant.of(Math.pow(2, -20 - rnd.nextInt(14))) : new Requant(0, 1);
        if (rows == 6) {
            out = Requant.of(1e-3); // saturates most outputs
        }
        IntLayerNorm ln = new IntLayerNorm(gamma, beta, eps, out);
        int[][] data = new int[rows][width];
        for (int r = 0; r < rows; r++) {
            int base = rnd.nextInt(1 << bits) - (1 << (bits - 1));
            for (int c = 0; c < width; c++) {
                data[r][c] = r == 1 ? base : rnd.nextInt(1 << bits) - (1 << (bits - 1)); // row 1 constant
            }
        }
        List<Long> expected = new ArrayList<>();
        for (int[] row : data) {
            for (byte b : ln.apply(row)) {
                expected.add((long) b);
            }
        }
        try (SimInstance sim = VerilatorModel.build(DesignFiles.source(DESIGN)).newInstance()) {
            sim.reset(2);
            sim.poke("width", width);
            sim.pokeWide("eps", new int[] {(int) eps, (int) (eps >>> 32)});
            sim.poke("out_mult", out.multiplier());
            sim.poke("out_shift", out.shift());
            int[][] params = new int[width][];
            for (int c = 0; c < width; c++) {
                long lo = (gamma[c] & 0xFFFFL) | (beta[c] << 16);
                params[c] = new int[] {(int) lo, (int) (lo >>> 32), (int) (beta[c] >> 48)};
            }
            long[] flat = new long[rows * width];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = data[i / width][i % width] & 0xFFFFFFFFL;
            }
            sim.backpressure(seed, validPct, readyPct);
            sim.push("param", params, new boolean[width]);
            sim.push("in", flat, new boolean[flat.length]);
            sim.expect("out", flat.length);
            long cycles = sim.run(400L * flat.length + 1000);
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, replay);
            var beats = sim.pop("out");
            List<Long> actual = new ArrayList<>();
            for (long v : beats.values()) {
                actual.add((long) (byte) v);
            }
            new Scoreboard("layernorm int8", replay).check(expected, actual);
            for (int i = 0; i < flat.length; i++) {
                assertEquals(i % width == width - 1, beats.last()[i], "tlast at " + i + " " + replay);
            }
            if (validPct == 100 && readyPct == 100) {
                assertEquals(LayerNormUnit.cycles(width, rows), cycles, "cycle model");
            }
        }
    }

    @Test
    void lintIsClean() {
        Path dir = Path.of("target", "work", DESIGN.top().name());
        assertEquals("", Lint.verilator(DESIGN, dir.resolve("lint")));
        assertEquals("", Lint.icarus(DESIGN, dir.resolve("icarus")));
    }
}
