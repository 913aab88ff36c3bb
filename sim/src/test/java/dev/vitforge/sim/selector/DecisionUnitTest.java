package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.models.quant.IntOps;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector's decision unit on Verilator against {@link DecisionUnit#reference} (models' IntOps
 * sigmoid and Requant): random and extreme logits, saturating and zero requant factors, margins of
 * exactly 0, the all-gates-underflow fallback for p, random backpressure and the exact cycle count;
 * plus lint and an Icarus cross-check.
 */
class DecisionUnitTest {

    /** One run's static configuration and its tokens (g1[t][h], diff[t][h]). */
    record Scenario(String name, Requant[] gate, Requant z, int[][] g1, long[][] diff) {
        int tokens() {
            return g1.length;
        }

        int heads() {
            return gate.length;
        }
    }

    private static String replay(long seed) {
        return Seeds.replay("sim", "DecisionUnitTest", seed);
    }

    @ParameterizedTest(name = "heads {0}")
    @ValueSource(ints = {1, 2, 3, 6})
    void matchesTheReferenceUnderBackpressure(int heads) {
        long seed = Seeds.of("decision unit h" + heads, 29 + heads);
        Random rnd = new Random(seed);
        VerilatorModel model = VerilatorModel.build(DesignFiles.source(DecisionUnit.design(heads)));
        List<Scenario> scenarios = List.of(
                randomScenario(rnd, heads, 300),
                extremeScenario(rnd, heads, 120),
                underflowScenario(rnd, heads, 80),
                zeroScoreScenario(rnd, heads, 80));
        int fallbacks = 0;
        int zeroMargins = 0;
        int interior = 0;
        for (Scenario sc : scenarios) {
            for (int t = 0; t < sc.tokens(); t++) {
                fallbacks += allGatesUnderflow(sc, t) ? 1 : 0;
                zeroMargins += DecisionUnit.reference(sc.gate(), sc.z(), sc.g1()[t], sc.diff()[t]).margin() == 0 ? 1 : 0;
                for (int h = 0; h < heads; h++) {
                    int w = IntOps.sigmoid(sc.gate()[h].toInt32(sc.g1()[t][h]));
                    int s = IntOps.sigmoid(sc.z().toInt32(sc.diff()[t][h]));
                    interior += w > 0 && w < 32768 && s > 0 && s < 32768 && s != 16384 ? 1 : 0;
                }
            }
            check(model, sc, seed, 85, 55);
            check(model, sc, seed + 1, 100, 40);
        }
        // The stimulus must reach every path, not only the saturated ends of the sigmoids.
        assertTrue(fallbacks >= 20, "the fallback p path ran only " + fallbacks + " times");
        assertTrue(zeroMargins >= 20, "only " + zeroMargins + " margins of exactly 0");
        assertTrue(interior >= 50, "only " + interior + " beats with both sigmoids strictly inside (0, 1)");
    }

    @Test
    void cycleCountAtFullThroughputIsTheModel() {
        long seed = Seeds.of("decision unit cycles", 5);
        Random rnd = new Random(seed);
        for (int heads : new int[] {1, 3, 6}) {
            VerilatorModel model = VerilatorModel.build(DesignFiles.source(DecisionUnit.design(heads)));
            for (int tokens : new int[] {1, 7, 50}) {
                Scenario sc = randomScenario(rnd, heads, tokens);
                long cycles = check(model, sc, seed, 100, 100);
                assertEquals(DecisionUnit.cycles(tokens, heads), cycles,
                        "cycles for " + tokens + " tokens x " + heads + " heads; " + replay(seed));
            }
        }
    }

    @Test
    void lintIsClean() {
        for (int heads : new int[] {1, 2, 3, 6}) {
            Design d = DecisionUnit.design(heads);
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAndIcarusAgree() {
        Design d = DecisionUnit.design(2);
        long seed = Seeds.of("decision unit cross-simulation", 17);
        KernelChecks.assertIcarusAgrees(d, seed, 300, "DecisionUnitTest");
    }

    /** Runs one scenario, scores every output beat against the reference, returns sim.run's cycles. */
    private static long check(VerilatorModel model, Scenario sc, long seed, int validPct, int readyPct) {
        int heads = sc.heads();
        int n = sc.tokens() * heads;
        int[][] beats = new int[n][];
        boolean[] last = new boolean[n];
        List<String> expected = new ArrayList<>();
        for (int t = 0; t < sc.tokens(); t++) {
            for (int h = 0; h < heads; h++) {
                beats[t * heads + h] = DecisionUnit.inputBeat(sc.diff()[t][h], sc.g1()[t][h]);
                last[t * heads + h] = h == heads - 1;
            }
            expected.add(DecisionUnit.reference(sc.gate(), sc.z(), sc.g1()[t], sc.diff()[t]).toString());
        }
        try (SimInstance sim = model.newInstance()) {
            sim.pokeWide("gate_mult", DecisionUnit.gateMultWords(sc.gate()));
            sim.pokeWide("gate_shift", DecisionUnit.gateShiftWords(sc.gate()));
            sim.poke("z_mult", sc.z().multiplier());
            sim.poke("z_shift", sc.z().shift());
            sim.reset(2);
            sim.backpressure(seed, validPct, readyPct);
            sim.push("in", beats, last);
            sim.expect("out", sc.tokens());
            long cycles = sim.run(60L * n + 200);
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, sc.name() + ": " + replay(seed));
            Beats out = sim.pop("out");
            List<String> actual = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                actual.add(DecisionUnit.outputBeat(out.words(i)).toString());
            }
            String what = "decision h" + heads + " " + sc.name() + " (valid " + validPct + "%, ready " + readyPct + "%)";
            new Scoreboard(what, replay(seed)).check(expected, actual);
            return cycles;
        }
    }

    private static boolean allGatesUnderflow(Scenario sc, int t) {
        for (int h = 0; h < sc.heads(); h++) {
            if (IntOps.sigmoid(sc.gate()[h].toInt32(sc.g1()[t][h])) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A factor 2^e with e uniform in [lo, hi), mantissa random: the range calibration gives. */
    private static Requant factor(Random rnd, int lo, int hi) {
        return Requant.of(Math.pow(2, lo + rnd.nextDouble() * (hi - lo)));
    }

    /** Calibrated-looking factors and a mix of every token kind. */
    static Scenario randomScenario(Random rnd, int heads, int tokens) {
        Requant[] gate = new Requant[heads];
        for (int h = 0; h < heads; h++) {
            gate[h] = factor(rnd, -16, 2);
        }
        return fill("random", rnd, gate, factor(rnd, -24, -4), tokens);
    }

    /** Saturating factors (multiplier 2^31 - 1, shift 1: about 2^30), a zero gate multiplier. */
    static Scenario extremeScenario(Random rnd, int heads, int tokens) {
        Requant huge = new Requant(Integer.MAX_VALUE, 1);
        Requant[] gate = new Requant[heads];
        for (int h = 0; h < heads; h++) {
            gate[h] = h % 3 == 1 ? new Requant(0, 1 + rnd.nextInt(126)) : h % 3 == 0 ? huge
                    : new Requant((1 << 30) + rnd.nextInt(1 << 30), 1 + rnd.nextInt(126));
        }
        return fill("extreme", rnd, gate, huge, tokens);
    }

    /** Every gate factor nonzero, so logits far below 0 make every w 0 and p takes the fallback. */
    static Scenario underflowScenario(Random rnd, int heads, int tokens) {
        Requant[] gate = new Requant[heads];
        for (int h = 0; h < heads; h++) {
            gate[h] = factor(rnd, -2, 3);
        }
        Scenario sc = fill("underflow", rnd, gate, factor(rnd, -24, -4), tokens);
        for (int t = 0; t < tokens; t++) {
            if (t % 4 != 3) {
                for (int h = 0; h < heads; h++) {
                    sc.g1()[t][h] = t % 2 == 0 ? Integer.MIN_VALUE : -(1 << 20) - rnd.nextInt(1 << 30);
                }
            }
        }
        return sc;
    }

    /** The score requant multiplier 0: every s is sigmoid(0). */
    static Scenario zeroScoreScenario(Random rnd, int heads, int tokens) {
        Requant[] gate = new Requant[heads];
        for (int h = 0; h < heads; h++) {
            gate[h] = factor(rnd, -12, 0);
        }
        return fill("zero-score", rnd, gate, new Requant(0, 1 + rnd.nextInt(126)), tokens);
    }

    /** Tokens of every kind, by a random choice per token. */
    private static Scenario fill(String name, Random rnd, Requant[] gate, Requant z, int tokens) {
        int heads = gate.length;
        int[][] g1 = new int[tokens][heads];
        long[][] diff = new long[tokens][heads];
        long wide = 1L << 32;
        for (int t = 0; t < tokens; t++) {
            int kind = rnd.nextInt(9);
            for (int h = 0; h < heads; h++) {
                g1[t][h] = switch (kind) {
                    case 0, 1 -> rnd.nextInt();
                    case 2 -> rnd.nextInt(1 << 17) - (1 << 16);
                    case 3 -> rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
                    case 4 -> Integer.MIN_VALUE;
                    default -> rnd.nextInt(1 << 25) - (1 << 24);
                };
                diff[t][h] = switch (kind) {
                    case 0, 4 -> rnd.nextLong(-wide, wide + 1);
                    case 1, 2 -> rnd.nextInt(1 << 21) - (1 << 20);
                    case 3 -> rnd.nextBoolean() ? wide : -wide;
                    case 5 -> 0;
                    default -> rnd.nextLong(-wide, wide + 1) >> rnd.nextInt(33);
                };
            }
            if (kind == 6 || kind == 7) {
                cancel(gate, z, g1[t], diff[t], rnd);
            }
        }
        return new Scenario(name, gate, z, g1, diff);
    }

    /**
     * Makes the margin exactly 0: heads 0 and 1 get diffs k w_1 and -k w_0, the others 0 (one head:
     * diff 0, or any diff if w_0 is 0).
     */
    private static void cancel(Requant[] gate, Requant z, int[] g1, long[] diff, Random rnd) {
        int heads = gate.length;
        java.util.Arrays.fill(diff, 0);
        if (heads < 2) {
            return;
        }
        long w0 = IntOps.sigmoid(gate[0].toInt32(g1[0]));
        long w1 = IntOps.sigmoid(gate[1].toInt32(g1[1]));
        long k = 1 + rnd.nextInt(1 << 16);
        diff[0] = k * w1;
        diff[1] = -k * w0;
        if (rnd.nextBoolean()) {
            diff[0] = -diff[0];
            diff[1] = -diff[1];
        }
    }
}
