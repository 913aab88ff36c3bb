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
import dev.vitforge.hwgen.selector.SelectorBack;
import dev.vitforge.hwgen.selector.SelectorBack.Shape;
import dev.vitforge.models.quant.IntOps;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.models.quant.SelectorKernels;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector's fused tail on Verilator against the composition of its kernels' references
 * (head bias added with int wrap, {@code SelectorKernels.JAVA.gelu}, bias + W x, and (long) z_keep -
 * z_drop), row for row and bit for bit, with random backpressure, one head and many, and the exact
 * cycle model at full rate.
 */
class SelectorBackTest {
    static final Shape DEIT = new Shape(64, 4, 4, 4, 12); // d = 64, up to DeiT-B's 12 heads
    static final Shape SMALL = new Shape(8, 2, 1, 1, 3);
    static final Map<Shape, VerilatorModel> MODELS = new HashMap<>();

    static VerilatorModel model(Shape s) {
        return MODELS.computeIfAbsent(s, x -> VerilatorModel.build(DesignFiles.source(SelectorBack.design(x))));
    }

    record Gelu(Requant[] toGelu, IntOps.Gelu gelu, Requant out) {}

    record Case(Shape shape, int heads, int[][] headBias, Gelu g1, byte[] w1, int[] b1, Gelu g2, byte[] w2, int[] b2,
                int[][] rows) {}

    static Gelu gelu(Random rnd, int channels) {
        double inScale = 1e-3;
        IntOps.Gelu g = IntOps.Gelu.of(inScale);
        Requant[] toGelu = new Requant[channels];
        for (int c = 0; c < channels; c++) {
            toGelu[c] = Requant.of(Math.scalb(0.25 + 4 * rnd.nextDouble(), -6));
        }
        return new Gelu(toGelu, g, Requant.of(g.outScale() / ((1 << 14) * inScale * 0.5 / 127)));
    }

    static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (rnd.nextInt(20) == 0 ? -128 : rnd.nextInt(256));
        }
        return b;
    }

    static int[] ints(Random rnd, int n, int bits) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(50) == 0 ? Integer.MAX_VALUE : rnd.nextInt(1 << bits) - (1 << (bits - 1));
        }
        return v;
    }

    static Case randomCase(Random rnd, Shape s, int tokens, int heads) {
        int d = s.headDim();
        int[][] headBias = new int[heads][];
        for (int h = 0; h < heads; h++) {
            headBias[h] = ints(rnd, d / 2, 17);
        }
        int[][] rows = new int[tokens * heads][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = ints(rnd, d / 2, 8 + rnd.nextInt(12));
        }
        return new Case(s, heads, headBias, gelu(rnd, d / 2), bytes(rnd, d / 4 * d / 2), ints(rnd, d / 4, 16),
                gelu(rnd, d / 4), bytes(rnd, 2 * d / 4), ints(rnd, 2, 16), rows);
    }

    static List<String> expected(Case c) {
        Shape s = c.shape();
        int d = s.headDim();
        List<String> out = new ArrayList<>();
        for (int r = 0; r < c.rows().length; r++) {
            int h = r % c.heads();
            int[] acc = new int[d / 2];
            for (int j = 0; j < acc.length; j++) {
                acc[j] = c.rows()[r][j] + c.headBias()[h][j];
            }
            byte[] a1 = SelectorKernels.JAVA.gelu(acc, d / 2, c.g1().toGelu(), c.g1().gelu(), c.g1().out());
            int[] h1 = MatVecUnit.reference(s.mlp1(), c.w1(), c.b1(), a1);
            byte[] a2 = SelectorKernels.JAVA.gelu(h1, d / 4, c.g2().toGelu(), c.g2().gelu(), c.g2().out());
            int[] z = MatVecUnit.reference(s.mlp2(), c.w2(), c.b2(), a2);
            out.add(((long) z[0] - z[1]) + (h == c.heads() - 1 ? " last" : ""));
        }
        return out;
    }

    static void pokeGelu(SimInstance sim, String name, Gelu g) {
        long b = g.gelu().bInt();
        long cc = g.gelu().cInt();
        sim.pokeWide(name + "_b", new int[] {(int) b, (int) (b >>> 32)});
        sim.pokeWide(name + "_c", new int[] {(int) cc, (int) (cc >>> 32)});
        sim.poke(name + "_out_mult", g.out().multiplier());
        sim.poke(name + "_out_shift", g.out().shift());
        long[] table = new long[g.toGelu().length];
        for (int i = 0; i < table.length; i++) {
            table[i] = (long) g.toGelu()[i].shift() << 31 | g.toGelu()[i].multiplier();
        }
        sim.push(name + "_param", table);
    }

    static SimInstance start(VerilatorModel model, Case c) {
        Shape s = c.shape();
        int lanes = s.lanes();
        int d = s.headDim();
        SimInstance sim = model.newInstance();
        sim.reset(2);
        sim.poke("heads", c.heads());
        pokeGelu(sim, "gelu1", c.g1());
        pokeGelu(sim, "gelu2", c.g2());
        int[][] p1 = MatVecUnit.paramBeats(s.mlp1(), c.w1(), c.b1());
        sim.push("mlp1_param", p1, new boolean[p1.length]);
        int[][] p2 = MatVecUnit.paramBeats(s.mlp2(), c.w2(), c.b2());
        sim.push("mlp2_param", p2, new boolean[p2.length]);
        int[][] bias = new int[s.biasBeats(c.heads())][lanes];
        for (int h = 0; h < c.heads(); h++) {
            for (int j = 0; j < d / 2; j++) {
                bias[(h * d / 2 + j) / lanes][j % lanes] = c.headBias()[h][j];
            }
        }
        sim.push("head_bias", bias, new boolean[bias.length]);
        int[][] beats = new int[c.rows().length * d / 2 / lanes][lanes];
        for (int r = 0; r < c.rows().length; r++) {
            for (int j = 0; j < d / 2; j++) {
                beats[(r * d / 2 + j) / lanes][j % lanes] = c.rows()[r][j];
            }
        }
        sim.push("local_acc", beats, new boolean[beats.length]);
        sim.expect("diff", c.rows().length);
        return sim;
    }

    static void check(Case c, SimInstance sim, String what, long seed) {
        Beats out = sim.pop("diff");
        List<String> actual = new ArrayList<>();
        long[] v = out.values();
        for (int i = 0; i < v.length; i++) {
            actual.add(v[i] + (out.last()[i] ? " last" : ""));
        }
        new Scoreboard("back " + what, Seeds.replay("sim", "SelectorBackTest", seed)).check(expected(c), actual);
    }

    @Test
    void matchesItsKernelsReferencesUnderBackpressure() {
        long seed = Seeds.of("selector back", 79);
        Random rnd = new Random(seed);
        int k = 0;
        for (Shape s : List.of(DEIT, SMALL)) {
            for (int[] th : new int[][] {{1, 1}, {2, 3}, {9, 1}, {7, s.maxHeads()}}) {
                Case c = randomCase(rnd, s, th[0], th[1]);
                try (SimInstance sim = start(model(s), c)) {
                    sim.backpressure(seed + k++, 30 + rnd.nextInt(71), 10 + rnd.nextInt(91));
                    long cycles = sim.run(400L * c.rows().length * s.headDim() + 5000);
                    assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, s + ", " + th[0] + " x " + th[1] + "\n"
                            + Seeds.replay("sim", "SelectorBackTest", seed));
                    check(c, sim, s + ", " + th[0] + " tokens x " + th[1] + " heads", seed);
                }
            }
        }
    }

    @Test
    void fullRateTakesTheModelledCycles() {
        long seed = Seeds.of("selector back cycles", 83);
        Random rnd = new Random(seed);
        for (Shape s : List.of(DEIT, SMALL)) {
            for (int[] th : new int[][] {{1, 1}, {2, 1}, {3, 1}, {1, 3}, {9, 3}, {40, 1}, {3, s.maxHeads()}}) {
                Case c = randomCase(rnd, s, th[0], th[1]);
                try (SimInstance sim = start(model(s), c)) {
                    sim.backpressure(seed, 100, 100);
                    long cycles = sim.run(1_000_000);
                    assertEquals(SelectorBack.cycles(s, c.rows().length, th[1]), cycles, s + ", " + th[0] + " x "
                            + th[1]);
                    check(c, sim, s + ", " + th[0] + " x " + th[1] + " at full rate", seed);
                }
            }
        }
    }

    @Test
    void shapesWhereMlp1IsNotTheSlowestStageAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Shape(64, 4, 16, 1, 1)); // mlp.2 slower
        assertThrows(IllegalArgumentException.class, () -> new Shape(64, 1, 1, 1, 1)); // diff needs two lanes
    }

    @Test
    void lintIsSilent() {
        for (Shape s : List.of(DEIT, SMALL)) {
            Design d = SelectorBack.design(s);
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = SelectorBack.design(SMALL);
        long seed = Seeds.of("selector back cross-simulation", 89);
        KernelChecks.assertIcarusAgrees(d, seed, 600, "SelectorBackTest");
    }

}
