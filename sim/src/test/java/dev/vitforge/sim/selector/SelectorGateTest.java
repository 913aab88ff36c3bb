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
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.SelectorGate;
import dev.vitforge.models.quant.SelectorKernels;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector's fused head gate on Verilator against its kernels' references (bias + W x,
 * {@code SelectorKernels.JAVA.gelu}, bias + W x) for H in {1, 2, 3, 6, 12}: random backpressure,
 * one token and many, exact cycles at full rate.
 */
class SelectorGateTest {
    static final int[] HEADS = {1, 2, 3, 6, 12};
    static final Map<Integer, VerilatorModel> MODELS = new HashMap<>();

    static VerilatorModel model(int heads) {
        return MODELS.computeIfAbsent(heads, h -> VerilatorModel.build(DesignFiles.source(SelectorGate.design(h))));
    }

    record Case(int heads, byte[] w0, int[] b0, SelectorBackTest.Gelu gelu, byte[] w1, int[] b1, byte[] means) {}

    static Case randomCase(Random rnd, int heads, int tokens) {
        int hg = SelectorGate.hidden(heads);
        return new Case(heads, SelectorBackTest.bytes(rnd, hg * heads), SelectorBackTest.ints(rnd, hg, 12),
                SelectorBackTest.gelu(rnd, hg), SelectorBackTest.bytes(rnd, heads * hg),
                SelectorBackTest.ints(rnd, heads, 16), SelectorBackTest.bytes(rnd, tokens * heads));
    }

    static List<String> expected(Case c) {
        int h = c.heads();
        int hg = SelectorGate.hidden(h);
        int[] hidden = MatVecUnit.reference(SelectorGate.gate0(h), c.w0(), c.b0(), c.means());
        byte[] a = SelectorKernels.JAVA.gelu(hidden, hg, c.gelu().toGelu(), c.gelu().gelu(), c.gelu().out());
        int[] g1 = MatVecUnit.reference(SelectorGate.gate1(h), c.w1(), c.b1(), a);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < g1.length; i++) {
            out.add(g1[i] + (i % h == h - 1 ? " last" : ""));
        }
        return out;
    }

    static SimInstance start(VerilatorModel model, Case c) {
        SimInstance sim = model.newInstance();
        sim.reset(2);
        SelectorBackTest.pokeGelu(sim, "gelu", c.gelu());
        int[][] p0 = MatVecUnit.paramBeats(SelectorGate.gate0(c.heads()), c.w0(), c.b0());
        sim.push("gate0_param", p0, new boolean[p0.length]);
        int[][] p1 = MatVecUnit.paramBeats(SelectorGate.gate1(c.heads()), c.w1(), c.b1());
        sim.push("gate1_param", p1, new boolean[p1.length]);
        long[] means = new long[c.means().length];
        for (int i = 0; i < means.length; i++) {
            means[i] = c.means()[i] & 0xFF;
        }
        sim.push("row_mean", means);
        sim.expect("g1", c.means().length);
        return sim;
    }

    static void check(Case c, SimInstance sim, String what, long seed) {
        Beats out = sim.pop("g1");
        long[] v = out.values();
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            actual.add((int) v[i] + (out.last()[i] ? " last" : ""));
        }
        new Scoreboard("gate " + what, Seeds.replay("sim", "SelectorGateTest", seed)).check(expected(c), actual);
    }

    @Test
    void matchesItsKernelsReferencesUnderBackpressure() {
        long seed = Seeds.of("selector gate", 97);
        Random rnd = new Random(seed);
        int k = 0;
        for (int heads : HEADS) {
            for (int tokens : new int[] {1, 5, 30}) {
                Case c = randomCase(rnd, heads, tokens);
                try (SimInstance sim = start(model(heads), c)) {
                    sim.backpressure(seed + k++, 30 + rnd.nextInt(71), 10 + rnd.nextInt(91));
                    long cycles = sim.run(1000L * tokens * heads + 5000);
                    assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, heads + " heads, " + tokens + " tokens");
                    check(c, sim, heads + " heads, " + tokens + " tokens", seed);
                }
            }
        }
    }

    @Test
    void fullRateTakesTheModelledCycles() {
        long seed = Seeds.of("selector gate cycles", 101);
        Random rnd = new Random(seed);
        for (int heads : HEADS) {
            for (int tokens : new int[] {1, 2, 7, 30}) {
                Case c = randomCase(rnd, heads, tokens);
                try (SimInstance sim = start(model(heads), c)) {
                    sim.backpressure(seed, 100, 100);
                    long cycles = sim.run(100_000);
                    assertEquals(SelectorGate.cycles(heads, tokens), cycles, heads + " heads, " + tokens + " tokens");
                    check(c, sim, heads + " heads, " + tokens + " tokens at full rate", seed);
                }
            }
        }
    }

    @Test
    void lintIsSilent() {
        for (int heads : new int[] {1, 3, 12}) {
            Design d = SelectorGate.design(heads);
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = SelectorGate.design(3);
        long seed = Seeds.of("selector gate cross-simulation", 103);
        KernelChecks.assertIcarusAgrees(d, seed, 600, "SelectorGateTest");
    }

}
