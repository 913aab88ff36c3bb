package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.hwgen.selector.SelectorFront.Shape;
import dev.vitforge.models.quant.IntLayerNorm;
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
 * The selector's front half on Verilator against the composition of its kernels' references
 * (IntLayerNorm, bias + W x, {@code SelectorKernels.JAVA.gelu}, W x), row for row and bit for bit:
 * its three outputs (mlp.0's local accumulators, the global half of u, the row means), with random
 * backpressure on every stream, one row and many, and the steady-state rate at full speed.
 */
class SelectorFrontTest {
    static final Shape DEIT = new Shape(64, 16, 4, 4, 12); // d = 64 as in DeiT-T/S/B, up to DeiT-B's 12 heads
    static final Shape SMALL = new Shape(8, 4, 2, 1, 3);
    static final Shape FUSED = new Shape(64, 4, 4, 4, 12); // what the fused selector builds: 4 lanes, in_proj and mlp.0 at 4
    static final Map<Shape, VerilatorModel> MODELS = new HashMap<>();

    static VerilatorModel model(Shape s) {
        return MODELS.computeIfAbsent(s, x -> VerilatorModel.build(DesignFiles.source(SelectorFront.design(x))));
    }

    /** One selector's constants and a run of head rows. */
    record Case(Shape shape, IntLayerNorm ln, Requant rowMean, byte[] w1, int[] b1, Requant[] toGelu, IntOps.Gelu gelu,
                Requant geluOut, byte[] w2, int heads, Requant tokenMean, int[][] rows) {
        int d() {
            return shape.headDim();
        }
    }

    static Case randomCase(Random rnd, Shape s, int tokens, int heads) {
        int rowCount = tokens * heads;
        int d = s.headDim();
        int[] gamma = new int[d];
        long[] beta = new long[d];
        for (int c = 0; c < d; c++) {
            gamma[c] = rnd.nextInt(1 << 15) - (1 << 14);
            beta[c] = rnd.nextLong() >> 36;
        }
        IntLayerNorm ln = new IntLayerNorm(gamma, beta, rnd.nextInt(1 << 10), Requant.of(0x1p-23));
        byte[] w1 = new byte[d * d];
        byte[] w2 = new byte[d / 2 * d / 2];
        int[] b1 = new int[d];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (byte) rnd.nextInt(256);
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (byte) rnd.nextInt(256);
        }
        for (int o = 0; o < d; o++) {
            b1[o] = rnd.nextInt(1 << 16) - (1 << 15);
        }
        double inScale = 1e-3;
        IntOps.Gelu gelu = IntOps.Gelu.of(inScale);
        Requant[] toGelu = new Requant[d];
        for (int c = 0; c < d; c++) {
            toGelu[c] = Requant.of(Math.scalb(0.25 + 4 * rnd.nextDouble(), -5));
        }
        double s8 = (1 << 14) * inScale * 0.5 / 127;
        int[][] rows = new int[rowCount][d];
        for (int r = 0; r < rowCount; r++) {
            int bits = 8 + rnd.nextInt(20);
            for (int c = 0; c < d; c++) {
                rows[r][c] = rnd.nextInt(1 << bits) - (1 << (bits - 1));
            }
        }
        return new Case(s, ln, Requant.of(1.0 / d / 64), w1, b1, toGelu, gelu, Requant.of(gelu.outScale() / s8), w2,
                heads, Requant.of(1.0 / tokens), rows);
    }

    /** Expected outputs: local_acc beats, global_u beats, row means, each as text lines for the scoreboard. */
    static List<List<String>> expected(Case c) {
        int d = c.d();
        int half = d / 2;
        int lanes = c.shape().lanes();
        List<String> local = new ArrayList<>();
        List<String> global = new ArrayList<>();
        List<String> means = new ArrayList<>();
        int[][] globalU = new int[c.rows().length][half];
        int r0 = 0;
        for (int[] row : c.rows()) {
            byte[] y = c.ln().apply(row);
            long sum = 0;
            for (int v : row) {
                sum += v;
            }
            means.add(Byte.toString(c.rowMean().toInt8(sum)));
            int[] acc = MatVecUnit.reference(c.shape().inProj(), c.w1(), c.b1(), y);
            byte[] u = SelectorKernels.JAVA.gelu(acc, d, c.toGelu(), c.gelu(), c.geluOut());
            byte[] uLocal = java.util.Arrays.copyOf(u, half);
            for (int j = 0; j < half; j++) {
                globalU[r0][j] = u[half + j];
            }
            r0++;
            int[] z = MatVecUnit.reference(c.shape().mlp0(), c.w2(), new int[half], uLocal);
            for (int b = 0; b < half / lanes; b++) {
                StringBuilder l = new StringBuilder();
                StringBuilder g = new StringBuilder();
                for (int j = 0; j < lanes; j++) {
                    l.append(z[b * lanes + j]).append(' ');
                    g.append(u[half + b * lanes + j]).append(' ');
                }
                String last = b == half / lanes - 1 ? "last" : "";
                local.add(l + last);
                global.add(g + last);
            }
        }
        // The token means: per head and channel of u's global half, SelectorKernels' group mean over the tokens.
        int tokens = c.rows().length / c.heads();
        List<String> tokenMeans = new ArrayList<>();
        for (int h = 0; h < c.heads(); h++) {
            for (int b = 0; b < half / lanes; b++) {
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < lanes; j++) {
                    int[] column = new int[tokens];
                    for (int t = 0; t < tokens; t++) {
                        column[t] = globalU[(t * c.heads() + h)][b * lanes + j];
                    }
                    line.append(SelectorKernels.JAVA.groupMean(column, tokens, c.tokenMean())[0]).append(' ');
                }
                tokenMeans.add(line + (h == c.heads() - 1 && b == half / lanes - 1 ? "last" : ""));
            }
        }
        return List.of(local, global, means, tokenMeans);
    }

    static SimInstance start(VerilatorModel model, Case c) {
        Shape s = c.shape();
        int d = c.d();
        int lanes = s.lanes();
        SimInstance sim = model.newInstance();
        sim.reset(2);
        long eps = c.ln().epsInt();
        sim.pokeWide("ln_eps", new int[] {(int) eps, (int) (eps >>> 32)});
        sim.poke("ln_out_mult", c.ln().out().multiplier());
        sim.poke("ln_out_shift", c.ln().out().shift());
        sim.poke("ln_mean_mult", c.rowMean().multiplier());
        sim.poke("ln_mean_shift", c.rowMean().shift());
        long b = c.gelu().bInt();
        long cc = c.gelu().cInt();
        sim.pokeWide("gelu_b", new int[] {(int) b, (int) (b >>> 32)});
        sim.pokeWide("gelu_c", new int[] {(int) cc, (int) (cc >>> 32)});
        sim.poke("gelu_out_mult", c.geluOut().multiplier());
        sim.poke("gelu_out_shift", c.geluOut().shift());
        sim.poke("heads", c.heads());
        sim.poke("rows", c.rows().length);
        sim.poke("token_mean_mult", c.tokenMean().multiplier());
        sim.poke("token_mean_shift", c.tokenMean().shift());
        int[][] lnParams = LayerNormUnit.paramBeats(c.ln().gamma(), c.ln().beta(), lanes);
        sim.push("ln_param", lnParams, new boolean[lnParams.length]);
        int[][] p1 = MatVecUnit.paramBeats(s.inProj(), c.w1(), c.b1());
        sim.push("in_proj_param", p1, new boolean[p1.length]);
        long[] table = new long[d];
        for (int i = 0; i < d; i++) {
            table[i] = (long) c.toGelu()[i].shift() << 31 | c.toGelu()[i].multiplier();
        }
        sim.push("gelu_param", table);
        int[][] p2 = MatVecUnit.paramBeats(s.mlp0(), c.w2(), new int[d / 2]);
        sim.push("mlp0_param", p2, new boolean[p2.length]);
        int[][] beats = new int[c.rows().length * d / lanes][lanes];
        for (int r = 0; r < c.rows().length; r++) {
            for (int i = 0; i < d; i++) {
                beats[(r * d + i) / lanes][i % lanes] = c.rows()[r][i];
            }
        }
        sim.push("in", beats, new boolean[beats.length]);
        int rowBeats = d / 2 / lanes;
        sim.expect("local_acc", c.rows().length * rowBeats);
        sim.expect("global_u", c.rows().length * rowBeats);
        sim.expect("row_mean", c.rows().length);
        sim.expect("global_mean", s.meanBeats(c.heads()));
        return sim;
    }

    static void check(Case c, SimInstance sim, String what, long seed) {
        List<List<String>> want = expected(c);
        int lanes = c.shape().lanes();
        String replay = Seeds.replay("sim", "SelectorFrontTest", seed);
        Beats local = sim.pop("local_acc");
        Beats global = sim.pop("global_u");
        Beats means = sim.pop("row_mean");
        List<String> l = new ArrayList<>();
        List<String> g = new ArrayList<>();
        for (int i = 0; i < local.size(); i++) {
            StringBuilder a = new StringBuilder();
            StringBuilder u = new StringBuilder();
            int[] lw = local.words(i);
            int[] gw = global.words(i);
            for (int j = 0; j < lanes; j++) {
                a.append(lw[j]).append(' ');
                u.append((byte) (gw[j / 4] >>> (8 * (j % 4)))).append(' ');
            }
            l.add(a + (local.last()[i] ? "last" : ""));
            g.add(u + (global.last()[i] ? "last" : ""));
        }
        List<String> m = new ArrayList<>();
        for (long v : means.values()) {
            m.add(Byte.toString((byte) v));
        }
        new Scoreboard("front " + what + ": local_acc", replay).check(want.get(0), l);
        new Scoreboard("front " + what + ": global_u", replay).check(want.get(1), g);
        new Scoreboard("front " + what + ": row_mean", replay).check(want.get(2), m);
        Beats tm = sim.pop("global_mean");
        List<String> t = new ArrayList<>();
        for (int i = 0; i < tm.size(); i++) {
            int[] w = tm.words(i);
            StringBuilder line = new StringBuilder();
            for (int j = 0; j < lanes; j++) {
                line.append((byte) (w[j / 4] >>> (8 * (j % 4)))).append(' ');
            }
            t.add(line + (tm.last()[i] ? "last" : ""));
        }
        new Scoreboard("front " + what + ": global_mean", replay).check(want.get(3), t);
    }

    @Test
    void matchesItsKernelsReferencesUnderBackpressure() {
        long seed = Seeds.of("selector front", 67);
        Random rnd = new Random(seed);
        int k = 0;
        for (Shape s : List.of(DEIT, SMALL, FUSED)) {
            for (int[] th : new int[][] {{1, 1}, {2, 3}, {9, 1}, {17, 3}, {4, s.maxHeads()}}) {
                int rows = th[0] * th[1];
                Case c = randomCase(rnd, s, th[0], th[1]);
                try (SimInstance sim = start(model(s), c)) {
                    sim.backpressure(seed + k++, 30 + rnd.nextInt(71), 10 + rnd.nextInt(91));
                    long cycles = sim.run(400L * rows * s.headDim() + 5000);
                    assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, s + ", " + rows + " rows\n"
                            + Seeds.replay("sim", "SelectorFrontTest", seed));
                    check(c, sim, s + ", " + rows + " rows", seed);
                }
            }
        }
    }

    @Test
    void fullRateTakesTheModelledCycles() {
        long seed = Seeds.of("selector front cycles", 71);
        Random rnd = new Random(seed);
        for (Shape s : List.of(DEIT, SMALL, FUSED)) {
            for (int[] th : new int[][] {{1, 1}, {2, 1}, {3, 1}, {1, 3}, {9, 3}, {40, 1}, {41, 1}, {3, s.maxHeads()},
                    {13, s.maxHeads()}}) {
                int rows = th[0] * th[1];
                Case c = randomCase(rnd, s, th[0], th[1]);
                try (SimInstance sim = start(model(s), c)) {
                    sim.backpressure(seed, 100, 100);
                    long cycles = sim.run(1_000_000);
                    assertEquals(SelectorFront.cycles(s, rows, th[1]), cycles, s + ", " + rows + " rows, " + th[1]
                            + " heads");
                    check(c, sim, s + ", " + rows + " rows at full rate", seed);
                }
            }
        }
    }

    /**
     * Two sets of rows through one instance, as consecutive images would go: the column sums must be
     * clear again and the head and row counters back at 0 after the first set's means have left.
     */
    @Test
    void aSecondSetAfterTheFirstStartsFromClearSums() {
        long seed = Seeds.of("selector front, two sets", 107);
        Random rnd = new Random(seed);
        for (Shape s : List.of(FUSED, SMALL)) {
            Case first = randomCase(rnd, s, 5, Math.min(3, s.maxHeads()));
            Case second = new Case(s, first.ln(), first.rowMean(), first.w1(), first.b1(), first.toGelu(), first.gelu(),
                    first.geluOut(), first.w2(), first.heads(), first.tokenMean(),
                    randomCase(rnd, s, 5, first.heads()).rows());
            try (SimInstance sim = start(model(s), first)) {
                sim.backpressure(seed, 60, 70);
                assertNotEquals(SimInstance.BUDGET_EXHAUSTED, sim.run(200_000), s + ", first set");
                check(first, sim, s + ", first set", seed);
                int d = s.headDim();
                int lanes = s.lanes();
                int[][] beats = new int[second.rows().length * d / lanes][lanes];
                for (int r = 0; r < second.rows().length; r++) {
                    for (int i = 0; i < d; i++) {
                        beats[(r * d + i) / lanes][i % lanes] = second.rows()[r][i];
                    }
                }
                sim.push("in", beats, new boolean[beats.length]);
                int rowBeats = d / 2 / lanes;
                sim.expect("local_acc", second.rows().length * rowBeats);
                sim.expect("global_u", second.rows().length * rowBeats);
                sim.expect("row_mean", second.rows().length);
                sim.expect("global_mean", s.meanBeats(second.heads()));
                assertNotEquals(SimInstance.BUDGET_EXHAUSTED, sim.run(200_000), s + ", second set");
                check(second, sim, s + ", second set", seed);
            }
        }
    }

    @Test
    void shapesWhereInProjIsNotTheSlowestStageAreRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Shape(64, 16, 16, 2, 1));
        // in_proj's chunk must divide L; the GELU table must be in before the first row reaches it.
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Shape(64, 16, 3, 4, 1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Shape(128, 16, 16, 16, 1));
    }

    @Test
    void lintIsSilent() {
        for (Shape s : List.of(DEIT, SMALL, FUSED)) {
            Design d = SelectorFront.design(s);
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = SelectorFront.design(SMALL);
        long seed = Seeds.of("selector front cross-simulation", 73);
        KernelChecks.assertIcarusAgrees(d, seed, 600, "SelectorFrontTest");
    }

}
