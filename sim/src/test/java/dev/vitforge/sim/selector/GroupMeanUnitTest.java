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
import dev.vitforge.hwgen.selector.GroupMeanUnit;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.models.quant.SelectorKernels;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The lane-parallel group-mean unit on Verilator against {@code SelectorKernels.JAVA.groupMean},
 * i.e. {@code Requant.toInt8} of the group's long sum (the selector's channel mean and token mean),
 * at 1, 4 and 16 lanes: the group sizes the selector meets (1, 2, 64, 197 and mixed), padded with
 * zeros to whole beats as the host sends them, int8 and int32 values with their extremes, the
 * mean's own factor, factor 0 and factors large enough to saturate and to overflow the
 * reference's long; random backpressure and the exact cycle model.
 */
class GroupMeanUnitTest {
    static final int[] SIZES = {1, 2, 64, 197};
    static final int[] LANES = {1, 4, 16};

    static final Map<Integer, VerilatorModel> MODELS = new HashMap<>();

    static VerilatorModel model(int lanes) {
        return MODELS.computeIfAbsent(lanes, l -> VerilatorModel.build(DesignFiles.source(GroupMeanUnit.design(l))));
    }

    /** One run: a factor and groups of values. */
    record Case(String what, Requant factor, int[][] groups) {
        /** Input beats at L values per beat, each group padded to whole beats. */
        long beats(int lanes) {
            long n = 0;
            for (int[] g : groups) {
                n += GroupMeanUnit.beatsPerGroup(g.length, lanes);
            }
            return n;
        }

        /** The reference the selector runs on the cpu device, one group at a time (sizes may differ). */
        byte expected(int group) {
            return SelectorKernels.JAVA.groupMean(groups[group], groups[group].length, factor)[0];
        }
    }

    @Test
    void matchesTheReferenceUnderBackpressure() {
        long seed = Seeds.of("group mean unit", 37);
        Random rnd = new Random(seed);
        int k = 0;
        for (int lanes : LANES) {
            List<Case> cases = new ArrayList<>();
            for (int size : SIZES) {
                int count = Math.max(8, 400 / size);
                int fewer = Math.max(3, 400 / size);
                // The token mean: int8 values times 1/n.
                cases.add(new Case("int8 mean of " + size, Requant.of(1.0 / size), groups(rnd, count, size, 8)));
                // The channel mean: int32 values at s_x onto an int8 scale that fits about their range.
                int bits = 8 + rnd.nextInt(20);
                cases.add(new Case("int32 mean of " + size, Requant.of(Math.scalb(100.0 / size, -bits)),
                        groups(rnd, count, size, bits)));
                cases.add(new Case("factor 0, " + size, new Requant(0, 1 + rnd.nextInt(126)),
                        groups(rnd, fewer, size, 32)));
                cases.add(new Case("saturating factor, " + size, Requant.of(rnd.nextDouble() * 0x1p28),
                        groups(rnd, fewer, size, 32)));
                cases.add(new Case("any factor, " + size, new Requant((1 << 30) + rnd.nextInt(1 << 30),
                        1 + rnd.nextInt(rnd.nextBoolean() ? 126 : 40)), groups(rnd, fewer, size, 32)));
                if (size >= 64) {
                    // sum * factor beyond 2^63: Requant.apply keeps the low 64 bits, whose sign decides toInt8.
                    cases.add(new Case("factor overflowing a long, " + size,
                            new Requant((1 << 30) + rnd.nextInt(1 << 30), 1 + rnd.nextInt(3)),
                            groups(rnd, count, size, 32)));
                }
            }
            int[][] mixed = new int[24][];
            for (int g = 0; g < mixed.length; g++) {
                mixed[g] = groups(rnd, 1, 1 + rnd.nextInt(200), 8 + rnd.nextInt(25))[0];
            }
            cases.add(new Case("mixed sizes", Requant.of(Math.scalb(rnd.nextDouble(), -20)), mixed));
            for (Case c : cases) {
                try (SimInstance sim = start(model(lanes), c, lanes)) {
                    sim.backpressure(seed + k++, 40 + rnd.nextInt(61), 10 + rnd.nextInt(91));
                    sim.expect("out", c.groups().length);
                    long cycles = sim.run(40L * c.beats(lanes) + 100);
                    assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles,
                            c.what() + ", lanes " + lanes + "\n" + Seeds.replay("sim", "GroupMeanUnitTest", seed));
                    check(c, lanes, sim.pop("out"), seed);
                }
            }
        }
    }

    @Test
    void fullRateTakesExactlyTheModelledCycles() {
        long seed = Seeds.of("group mean unit cycles", 41);
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>();
        for (int size : SIZES) {
            cases.add(new Case("cycles, size " + size, Requant.of(1.0 / size), groups(rnd, 5, size, 8)));
        }
        int[][] mixed = new int[40][];
        for (int g = 0; g < mixed.length; g++) {
            mixed[g] = groups(rnd, 1, 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 100), 16)[0];
        }
        cases.add(new Case("cycles, mixed sizes", Requant.of(1e-3), mixed));
        for (int lanes : LANES) {
            for (Case c : cases) {
                try (SimInstance sim = start(model(lanes), c, lanes)) {
                    sim.backpressure(seed, 100, 100);
                    sim.expect("out", c.groups().length);
                    long cycles = sim.run(10_000);
                    assertEquals(GroupMeanUnit.cycles(c.beats(lanes), c.groups().length), cycles,
                            c.what() + ", lanes " + lanes);
                    check(c, lanes, sim.pop("out"), seed);
                }
            }
        }
    }

    @Test
    void lintIsSilent() {
        for (int lanes : new int[] {1, 3, 16}) { // 3: an adder tree with an odd term
            Design d = GroupMeanUnit.design(lanes);
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = GroupMeanUnit.design(4);
        long seed = Seeds.of("group mean unit cross-simulation", 43);
        KernelChecks.assertIcarusAgrees(d, seed, 400, "GroupMeanUnitTest");
    }

    /**
     * A fresh instance with the factor poked and every group queued as the host sends it: L values
     * per beat, each group padded with zeros to whole beats, TLAST on each group's last beat.
     */
    static SimInstance start(VerilatorModel model, Case c, int lanes) {
        SimInstance sim = model.newInstance();
        sim.reset(2);
        sim.poke("mult", c.factor().multiplier());
        sim.poke("shift", c.factor().shift());
        int[][] beats = new int[Math.toIntExact(c.beats(lanes))][lanes];
        boolean[] last = new boolean[beats.length];
        int b = 0;
        for (int[] g : c.groups()) {
            for (int i = 0; i < g.length; i++) {
                beats[b + i / lanes][i % lanes] = g[i];
            }
            b += GroupMeanUnit.beatsPerGroup(g.length, lanes);
            last[b - 1] = true;
        }
        sim.push("in", beats, last);
        return sim;
    }

    static void check(Case c, int lanes, Beats out, long seed) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        long[] v = out.values();
        for (int g = 0; g < c.groups().length; g++) {
            expected.add(c.expected(g) + " last");
        }
        for (int i = 0; i < v.length; i++) {
            actual.add((byte) v[i] + (out.last()[i] ? " last" : ""));
        }
        new Scoreboard("group mean " + c.what() + " " + c.factor() + ", lanes " + lanes,
                Seeds.replay("sim", "GroupMeanUnitTest", seed)).check(expected, actual);
    }

    /**
     * {@code count} groups of {@code size} values of about {@code bits} bits: mostly random at that
     * width, sometimes all at one extreme (so the sum reaches size * 2^31), now and then an int32 extreme.
     */
    static int[][] groups(Random rnd, int count, int size, int bits) {
        int[][] g = new int[count][size];
        for (int k = 0; k < count; k++) {
            int mode = rnd.nextInt(6);
            for (int i = 0; i < size; i++) {
                g[k][i] = switch (mode) {
                    case 0 -> (int) -(1L << (bits - 1));
                    case 1 -> (int) ((1L << (bits - 1)) - 1);
                    default -> switch (rnd.nextInt(100)) {
                        case 0 -> Integer.MIN_VALUE;
                        case 1 -> Integer.MAX_VALUE;
                        default -> rnd.nextInt() >> (32 - bits);
                    };
                };
            }
        }
        return g;
    }

}
