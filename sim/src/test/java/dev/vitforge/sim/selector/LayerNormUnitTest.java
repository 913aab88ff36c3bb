package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector LayerNorm unit against models' IntLayerNorm, row for row and bit for bit: widths
 * that are and are not powers of two, one-element rows (y = 0), constant rows, wide and narrow
 * inputs, saturating and zero requantisation, random backpressure; cycles equal the model's.
 */
class LayerNormUnitTest {
    /** The designs: DeiT's d = 64 at 16 lanes, a narrow 4-lane one, and one element per beat. */
    static Design design(int maxWidth, int lanes) {
        return LayerNormUnit.design(maxWidth, lanes);
    }

    @ParameterizedTest(name = "max {5} lanes {6}: width {0}, rows {1}, |x| < 2^{2}, valid {3}% ready {4}%")
    @CsvSource({"64, 40, 20, 100, 100, 64, 16", "16, 3, 12, 100, 100, 64, 16", "48, 5, 27, 70, 40, 64, 16",
            "64, 4, 27, 90, 20, 64, 16", "16, 40, 12, 90, 15, 64, 16", "12, 9, 8, 50, 90, 12, 4", "12, 30, 27, 100, 100, 12, 4",
            "4, 2, 4, 100, 100, 12, 4", "7, 9, 8, 50, 90, 7, 1", "1, 3, 12, 100, 100, 7, 1", "7, 6, 20, 100, 100, 7, 1"})
    void matchesTheReference(int width, int rows, int bits, int validPct, int readyPct, int maxWidth, int lanes) {
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
        if (rows == 6 || rows == 40) {
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
        // The row-sum output: a channel-mean-like factor (1 / (width * 2^k)), saturating for small k.
        Requant rowMean = Requant.of(1.0 / width / (1 << rnd.nextInt(12)));
        List<Long> expected = new ArrayList<>();
        List<Long> expectedMeans = new ArrayList<>();
        for (int[] row : data) {
            for (byte b : ln.apply(row)) {
                expected.add((long) b);
            }
            long sum = 0;
            for (int v : row) {
                sum += v;
            }
            expectedMeans.add((long) rowMean.toInt8(sum));
        }
        try (SimInstance sim = VerilatorModel.build(DesignFiles.source(design(maxWidth, lanes))).newInstance()) {
            sim.reset(2);
            sim.poke("width", width);
            sim.pokeWide("eps", new int[] {(int) eps, (int) (eps >>> 32)});
            sim.poke("out_mult", out.multiplier());
            sim.poke("out_shift", out.shift());
            sim.poke("mean_mult", rowMean.multiplier());
            sim.poke("mean_shift", rowMean.shift());
            int perRow = width / lanes;
            int[][] params = LayerNormUnit.paramBeats(gamma, beta, lanes);
            int[][] beatsIn = new int[rows * perRow][lanes];
            for (int i = 0; i < rows * width; i++) {
                beatsIn[i / lanes][i % lanes] = data[i / width][i % width];
            }
            sim.backpressure(seed, validPct, readyPct);
            sim.push("param", params, new boolean[perRow]);
            sim.push("in", beatsIn, new boolean[beatsIn.length]);
            sim.expect("out", beatsIn.length);
            long cycles = sim.run(400L * rows * width + 1000);
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, replay);
            var beats = sim.pop("out");
            List<Long> actual = new ArrayList<>();
            List<Long> means = new ArrayList<>();
            for (int b = 0; b < beats.size(); b++) {
                int[] w = beats.words(b);
                for (int j = 0; j < lanes; j++) {
                    actual.add((long) (byte) (w[j / 4] >>> (8 * (j % 4))));
                }
                if (b % perRow == perRow - 1) {
                    means.add((long) (byte) (w[lanes / 4] >>> (8 * (lanes % 4))));
                }
                assertEquals(b % perRow == perRow - 1, beats.last()[b], "tlast at beat " + b + " " + replay);
            }
            new Scoreboard("layernorm int8", replay).check(expected, actual);
            new Scoreboard("layernorm row means", replay).check(expectedMeans, means);
            if (validPct == 100 && readyPct == 100 && width == maxWidth) {
                assertEquals(LayerNormUnit.cycles(width, rows, lanes), cycles, "cycle model");
            }
        }
    }

    @Test
    void verilatorAndIcarusAgree() {
        long seed = Seeds.of("layernorm-cross", 5);
        Design d = design(8, 4);
        KernelChecks.assertIcarusAgrees(d, seed, 400, "LayerNormUnitTest");
    }

    @ParameterizedTest(name = "max {0} lanes {1}")
    @CsvSource({"64, 16", "7, 1"})
    void lintIsClean(int maxWidth, int lanes) {
        Design d = design(maxWidth, lanes);
        KernelChecks.assertLintClean(d);
    }
}
