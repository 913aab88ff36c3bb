package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.GroupMeanUnit;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.models.quant.SelectorKernels;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.CrossSimulation;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.tools.Lint;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.RtlSource;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The group-mean unit on Verilator against {@code SelectorKernels.JAVA.groupMean}, i.e.
 * {@code Requant.toInt8} of the group's long sum (the selector's channel mean and token mean):
 * the group sizes the selector meets (1, 2, 64, 197 and mixed), int8 and int32 values with their
 * extremes, the mean's own factor, factor 0 and factors large enough to saturate and to overflow
 * the reference's long; random backpressure and the exact cycle model.
 */
class GroupMeanUnitTest {
    static final int[] SIZES = {1, 2, 64, 197};

    static VerilatorModel model;

    @BeforeAll
    static void build() {
        model = VerilatorModel.build(DesignFiles.source(GroupMeanUnit.design()));
    }

    /** One run: a factor and groups of values. */
    record Case(String what, Requant factor, int[][] groups) {
        int beats() {
            int n = 0;
            for (int[] g : groups) {
                n += g.length;
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
            cases.add(new Case("factor 0, " + size, new Requant(0, 1 + rnd.nextInt(126)), groups(rnd, fewer, size, 32)));
            cases.add(new Case("saturating factor, " + size, Requant.of(rnd.nextDouble() * 0x1p28),
                    groups(rnd, fewer, size, 32)));
            cases.add(new Case("any factor, " + size, new Requant((1 << 30) + rnd.nextInt(1 << 30),
                    1 + rnd.nextInt(rnd.nextBoolean() ? 126 : 40)), groups(rnd, fewer, size, 32)));
            if (size >= 64) {
                // sum * factor beyond 2^63: Requant.apply keeps the low 64 bits, whose sign decides toInt8.
                cases.add(new Case("factor overflowing a long, " + size, new Requant((1 << 30) + rnd.nextInt(1 << 30),
                        1 + rnd.nextInt(3)), groups(rnd, count, size, 32)));
            }
        }
        int[][] mixed = new int[24][];
        for (int g = 0; g < mixed.length; g++) {
            mixed[g] = groups(rnd, 1, 1 + rnd.nextInt(200), 8 + rnd.nextInt(25))[0];
        }
        cases.add(new Case("mixed sizes", Requant.of(Math.scalb(rnd.nextDouble(), -20)), mixed));
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            try (SimInstance sim = start(c)) {
                sim.backpressure(seed + k, 40 + rnd.nextInt(61), 10 + rnd.nextInt(91));
                sim.expect("out", c.groups().length);
                long cycles = sim.run(40L * c.beats() + 100);
                assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles,
                        c.what() + "\n" + Seeds.replay("sim", "GroupMeanUnitTest", seed));
                check(c, sim.pop("out"), seed);
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
        for (Case c : cases) {
            try (SimInstance sim = start(c)) {
                sim.backpressure(seed, 100, 100);
                sim.expect("out", c.groups().length);
                long cycles = sim.run(10_000);
                assertEquals(GroupMeanUnit.cycles(c.beats(), c.groups().length), cycles, c.what());
                check(c, sim.pop("out"), seed);
            }
        }
    }

    @Test
    void lintIsSilent() {
        Design d = GroupMeanUnit.design();
        assertEquals("", Lint.verilator(d, work(d, "lint")));
        assertEquals("", Lint.icarus(d, work(d, "icarus")));
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = GroupMeanUnit.design();
        long seed = Seeds.of("group mean unit cross-simulation", 43);
        RtlSource source = DesignFiles.source(d);
        CrossSimulation.Stimulus stimulus = CrossSimulation.random(source, seed, 400);
        List<String> verilator;
        try (SimInstance sim = model.newInstance()) {
            verilator = CrossSimulation.verilator(sim, source, stimulus);
        }
        List<String> icarus = CrossSimulation.icarus(d, source, stimulus, work(d, "cross"));
        assertNull(CrossSimulation.compare(source, verilator, icarus), Seeds.replay("sim", "GroupMeanUnitTest", seed));
    }

    /** A fresh instance with the factor poked and every group queued, TLAST on each group's last value. */
    static SimInstance start(Case c) {
        SimInstance sim = model.newInstance();
        sim.reset(2);
        sim.poke("mult", c.factor().multiplier());
        sim.poke("shift", c.factor().shift());
        long[] beats = new long[c.beats()];
        boolean[] last = new boolean[beats.length];
        int i = 0;
        for (int[] g : c.groups()) {
            for (int v : g) {
                beats[i++] = v;
            }
            last[i - 1] = true;
        }
        sim.push("in", beats, last);
        return sim;
    }

    static void check(Case c, Beats out, long seed) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        long[] v = out.values();
        for (int g = 0; g < c.groups().length; g++) {
            expected.add(c.expected(g) + " last");
        }
        for (int i = 0; i < v.length; i++) {
            actual.add((byte) v[i] + (out.last()[i] ? " last" : ""));
        }
        new Scoreboard("group mean " + c.what() + " " + c.factor(), Seeds.replay("sim", "GroupMeanUnitTest", seed))
                .check(expected, actual);
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

    private static Path work(Design d, String what) {
        return Path.of("target", "work", d.top().name(), what);
    }
}
