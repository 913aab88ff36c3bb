package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.MatVecUnit.Shape;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The weight-resident dense layer on Verilator against {@link MatVecUnit#reference} (bias + W x,
 * wrapping like {@code QuantLinear.run}): the selector's four shapes at d = 64 (in_proj, mlp.0's
 * local half, mlp.1, mlp.2) and small odd ones (one lane, one input per cycle, N not a multiple of L,
 * a single chunk per row, output-bound rows); weights and inputs at -128 and 127, biases at the int32 extremes so the
 * sum wraps; one row and many; random backpressure and the exact cycle model at full rate.
 */
class MatVecUnitTest {
    static final List<Shape> SHAPES = List.of(
            new Shape(64, 64, 16, 4), // in_proj
            new Shape(32, 32, 16, 4), // mlp.0, local half
            new Shape(32, 16, 16, 4), // mlp.1
            new Shape(16, 2, 16, 4), // mlp.2
            new Shape(16, 16, 16, 16), // one chunk per row, drain as long as the row
            new Shape(16, 64, 16, 16), // drain four times the row: output-bound
            new Shape(1, 3, 1, 1), // the head gate's second layer at H = 3: one input, three outputs
            new Shape(8, 5, 4, 2),
            new Shape(3, 3, 1, 1),
            new Shape(12, 7, 4, 1));
    static final int[] ROWS = {1, 2, 7, 40};

    static final Map<Shape, VerilatorModel> MODELS = new HashMap<>();

    static VerilatorModel model(Shape s) {
        return MODELS.computeIfAbsent(s, x -> VerilatorModel.build(DesignFiles.source(MatVecUnit.design(x))));
    }

    record Case(String what, Shape shape, byte[] weights, int[] bias, byte[] x) {
        int rows() {
            return x.length / shape.inputs();
        }
    }

    @Test
    void matchesTheReferenceUnderBackpressure() {
        long seed = Seeds.of("matvec unit", 53);
        Random rnd = new Random(seed);
        int k = 0;
        for (Shape s : SHAPES) {
            for (int rows : ROWS) {
                for (int mode = 0; mode < 3; mode++) {
                    Case c = randomCase(rnd, s, rows, mode);
                    try (SimInstance sim = start(model(s), c)) {
                        sim.backpressure(seed + k++, 30 + rnd.nextInt(71), 10 + rnd.nextInt(91));
                        sim.expect("out", rows * s.outBeats());
                        long cycles = sim.run(50L * (rows * s.inputs() + 20));
                        assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles,
                                c.what() + "\n" + Seeds.replay("sim", "MatVecUnitTest", seed));
                        check(c, sim.pop("out"), seed);
                    }
                }
            }
        }
    }

    @Test
    void fullRateTakesExactlyTheModelledCycles() {
        long seed = Seeds.of("matvec unit cycles", 59);
        Random rnd = new Random(seed);
        for (Shape s : SHAPES) {
            for (int rows : ROWS) {
                Case c = randomCase(rnd, s, rows, 0);
                try (SimInstance sim = start(model(s), c)) {
                    sim.backpressure(seed, 100, 100);
                    sim.expect("out", rows * s.outBeats());
                    long cycles = sim.run(100_000);
                    assertEquals(MatVecUnit.cycles(s, rows), cycles, c.what());
                    check(c, sim.pop("out"), seed);
                }
            }
        }
    }

    @Test
    void inconsistentShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Shape(64, 64, 16, 3)); // c does not divide L
        assertThrows(IllegalArgumentException.class, () -> new Shape(24, 8, 16, 4)); // L does not divide K
    }

    @Test
    void lintIsSilent() {
        for (Shape s : List.of(SHAPES.get(0), SHAPES.get(3), SHAPES.get(6))) {
            Design d = MatVecUnit.design(s);
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = MatVecUnit.design(new Shape(8, 5, 4, 2));
        long seed = Seeds.of("matvec unit cross-simulation", 61);
        KernelChecks.assertIcarusAgrees(d, seed, 400, "MatVecUnitTest");
    }

    /** Mode 0: random; 1: every weight and input at -128 (the largest products); 2: biases at the int32 extremes. */
    static Case randomCase(Random rnd, Shape s, int rows, int mode) {
        byte[] w = new byte[s.outputs() * s.inputs()];
        byte[] x = new byte[rows * s.inputs()];
        int[] bias = new int[s.outputs()];
        for (int i = 0; i < w.length; i++) {
            w[i] = mode == 1 ? -128 : (byte) (rnd.nextInt(20) == 0 ? 127 : rnd.nextInt(256));
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = mode == 1 ? -128 : (byte) (rnd.nextInt(20) == 0 ? -128 : rnd.nextInt(256));
        }
        for (int o = 0; o < bias.length; o++) {
            bias[o] = mode == 2 ? (rnd.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE) : rnd.nextInt();
        }
        String what = s + ", " + rows + " row(s), " + new String[] {"random", "all -128", "extreme biases"}[mode];
        return new Case(what, s, w, bias, x);
    }

    static SimInstance start(VerilatorModel model, Case c) {
        Shape s = c.shape();
        SimInstance sim = model.newInstance();
        sim.reset(2);
        int[][] params = MatVecUnit.paramBeats(s, c.weights(), c.bias());
        sim.push("param", params, new boolean[params.length]);
        int[][] beats = new int[c.x().length / s.lanes()][(8 * s.lanes() + 31) / 32];
        for (int i = 0; i < c.x().length; i++) {
            int lane = i % s.lanes();
            beats[i / s.lanes()][lane / 4] |= (c.x()[i] & 0xFF) << (8 * (lane % 4));
        }
        sim.push("in", beats, new boolean[beats.length]);
        return sim;
    }

    static void check(Case c, Beats out, long seed) {
        Shape s = c.shape();
        int[] y = MatVecUnit.reference(s, c.weights(), c.bias(), c.x());
        List<String> expected = new ArrayList<>();
        for (int r = 0; r < c.rows(); r++) {
            for (int b = 0; b < s.outBeats(); b++) {
                StringBuilder beat = new StringBuilder();
                for (int j = 0; j < s.lanes(); j++) {
                    int o = b * s.lanes() + j;
                    beat.append(o < s.outputs() ? y[r * s.outputs() + o] : 0).append(' ');
                }
                expected.add(beat + (b == s.outBeats() - 1 ? "last" : ""));
            }
        }
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            int[] words = out.words(i);
            StringBuilder beat = new StringBuilder();
            for (int j = 0; j < s.lanes(); j++) {
                beat.append(words[j]).append(' ');
            }
            actual.add(beat + (out.last()[i] ? "last" : ""));
        }
        new Scoreboard("matvec " + c.what(), Seeds.replay("sim", "MatVecUnitTest", seed)).check(expected, actual);
    }

}
