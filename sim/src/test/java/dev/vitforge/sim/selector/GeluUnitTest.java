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
import dev.vitforge.hwgen.selector.GeluUnit;
import dev.vitforge.models.quant.IntOps;
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
 * The GELU unit on Verilator against the models reference {@code SelectorKernels.JAVA.gelu}, i.e.
 * {@code out.toInt8(gelu.apply(toGelu[c].toInt32(acc)))} per accumulator: every channel count the selector
 * uses at small size, calibrated constants over four decades of input scale, per-channel factors
 * including 0, accumulators at the int32 extremes, and constants far outside calibration so the
 * 64-bit wrap of the reference is mirrored too; random backpressure and the exact cycle model.
 */
class GeluUnitTest {
    static final int MAX_CHANNELS = 64;
    static final int[] CHANNELS = {1, 3, 16, 64};
    static final double[] IN_SCALES = {1e-4, 1e-3, 1e-2, 0.1, 1.0};

    static VerilatorModel model;

    @BeforeAll
    static void build() {
        model = VerilatorModel.build(DesignFiles.source(GeluUnit.design(MAX_CHANNELS)));
    }

    /** One use of the unit: its constants, per-channel table and data. */
    record Case(String what, int channels, Requant[] toGelu, IntOps.Gelu gelu, Requant out, int[] acc, boolean[] last) {
        /** The reference the selector runs on the cpu device. */
        byte[] expected() {
            return SelectorKernels.JAVA.gelu(acc, channels, toGelu, gelu, out);
        }
    }

    @Test
    void matchesTheReferenceUnderBackpressure() {
        long seed = Seeds.of("gelu unit", 23);
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>();
        for (int channels : CHANNELS) {
            for (double inScale : IN_SCALES) {
                IntOps.Gelu gelu = IntOps.Gelu.of(inScale);
                // The int8 scale of the GELU output, as calibration would set it (max / 127), give or take.
                double s8 = (1 << 14) * inScale * (0.1 + rnd.nextDouble()) / 127;
                cases.add(randomCase("in scale " + inScale, rnd, channels, gelu, Requant.of(gelu.outScale() / s8)));
            }
        }
        // Constants no calibration gives: the reference wraps at 64 bits and so must the unit.
        for (int channels : new int[] {3, 16}) {
            cases.add(randomCase("wild constants", rnd, channels,
                    new IntOps.Gelu(1, rnd.nextLong(), rnd.nextLong(), 1), wildRequant(rnd)));
            cases.add(randomCase("b = Long.MIN_VALUE", rnd, channels,
                    new IntOps.Gelu(1, Long.MIN_VALUE, rnd.nextLong() >> rnd.nextInt(64), 1), wildRequant(rnd)));
            cases.add(randomCase("small b, c", rnd, channels,
                    new IntOps.Gelu(1, -rnd.nextInt(1 << 20), -rnd.nextInt(1 << 30), 1),
                    Requant.of(rnd.nextDouble() * 0x1p-20)));
            cases.add(randomCase("output factor 0", rnd, channels, IntOps.Gelu.of(1e-3), new Requant(0, 1)));
        }
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            try (SimInstance sim = start(c)) {
                sim.backpressure(seed + k, 40 + rnd.nextInt(61), 30 + rnd.nextInt(71));
                sim.push("in", toLongs(c.acc()), c.last());
                sim.expect("out", c.acc().length);
                long cycles = sim.run(20L * (c.acc().length + c.channels()) + 100);
                assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, c.what() + "\n" + Seeds.replay("sim", "GeluUnitTest", seed));
                check(c, sim.pop("out"), seed);
            }
        }
    }

    @Test
    void fullRateTakesExactlyTheModelledCycles() {
        long seed = Seeds.of("gelu unit cycles", 29);
        Random rnd = new Random(seed);
        for (int channels : CHANNELS) {
            IntOps.Gelu gelu = IntOps.Gelu.of(1e-2);
            Case c = randomCase("cycles", rnd, channels, gelu, Requant.of(gelu.outScale() * 127 / ((1 << 14) * 1e-2)));
            try (SimInstance sim = start(c)) {
                sim.backpressure(seed, 100, 100);
                sim.push("in", toLongs(c.acc()), c.last());
                sim.expect("out", c.acc().length);
                long cycles = sim.run(10_000);
                assertEquals(GeluUnit.cycles(channels, c.acc().length), cycles, "channels " + channels);
                check(c, sim.pop("out"), seed);
            }
        }
    }

    @Test
    void lintIsSilent() {
        for (Design d : List.of(GeluUnit.design(MAX_CHANNELS), GeluUnit.design(1))) {
            assertEquals("", Lint.verilator(d, work(d, "lint")));
            assertEquals("", Lint.icarus(d, work(d, "icarus")));
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = GeluUnit.design(4);
        long seed = Seeds.of("gelu unit cross-simulation", 31);
        RtlSource source = DesignFiles.source(d);
        CrossSimulation.Stimulus stimulus = CrossSimulation.random(source, seed, 400);
        List<String> verilator;
        try (SimInstance sim = VerilatorModel.build(source).newInstance()) {
            verilator = CrossSimulation.verilator(sim, source, stimulus);
        }
        List<String> icarus = CrossSimulation.icarus(d, source, stimulus, work(d, "cross"));
        assertNull(CrossSimulation.compare(source, verilator, icarus), Seeds.replay("sim", "GeluUnitTest", seed));
    }

    /** A fresh instance with the case's constants poked and its table queued (a new table needs a reset). */
    static SimInstance start(Case c) {
        SimInstance sim = model.newInstance();
        sim.reset(2);
        sim.poke("channels", c.channels());
        sim.poke("gelu_b", c.gelu().bInt());
        sim.poke("gelu_c", c.gelu().cInt());
        sim.poke("out_mult", c.out().multiplier());
        sim.poke("out_shift", c.out().shift());
        long[] table = new long[c.channels()];
        for (int i = 0; i < table.length; i++) {
            table[i] = (long) c.toGelu()[i].shift() << 31 | c.toGelu()[i].multiplier();
        }
        sim.push("param", table); // TLAST on the last entry
        return sim;
    }

    static void check(Case c, Beats out, long seed) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        long[] v = out.values();
        byte[] reference = c.expected();
        for (int i = 0; i < c.acc().length; i++) {
            String context = "  (" + c.what() + ", channels " + c.channels() + ", acc " + c.acc()[i] + ")";
            expected.add(reference[i] + (c.last()[i] ? " last" : "") + context);
        }
        for (int i = 0; i < v.length; i++) {
            String context = i < c.acc().length ? "  (" + c.what() + ", channels " + c.channels() + ", acc "
                    + c.acc()[i] + ")" : "";
            actual.add((byte) v[i] + (out.last()[i] ? " last" : "") + context);
        }
        new Scoreboard("gelu " + c.what(), Seeds.replay("sim", "GeluUnitTest", seed)).check(expected, actual);
    }

    /**
     * Random data and per-channel factors for one configuration: most accumulators spread over a
     * per-case magnitude that most factors map onto the GELU's input range (as calibration would),
     * the rest int32 extremes, 0 and full-range values; some factors 0, some saturating, some tiny.
     */
    static Case randomCase(String what, Random rnd, int channels, IntOps.Gelu gelu, Requant out) {
        int accBits = 12 + rnd.nextInt(19);
        Requant[] toGelu = new Requant[channels];
        for (int c = 0; c < channels; c++) {
            toGelu[c] = switch (rnd.nextInt(10)) {
                case 0 -> new Requant(0, 1 + rnd.nextInt(126));
                case 1 -> Requant.of(Math.pow(10, -2 * rnd.nextDouble())); // saturates int32 for large acc
                case 2 -> Requant.of(Math.pow(10, -14 + 6 * rnd.nextDouble())); // mostly rounds to 0
                default -> Requant.of(Math.scalb(0.25 + 4 * rnd.nextDouble(), 13 - accBits));
            };
        }
        int n = 3 * channels + rnd.nextInt(60);
        int[] acc = new int[n];
        boolean[] last = new boolean[n];
        for (int i = 0; i < n; i++) {
            acc[i] = switch (rnd.nextInt(16)) {
                case 0 -> Integer.MIN_VALUE;
                case 1 -> Integer.MAX_VALUE;
                case 2 -> 0;
                case 3 -> rnd.nextInt();
                default -> (int) Requant.saturate(Math.round(rnd.nextGaussian() * Math.scalb(1.0, accBits)),
                        Integer.MIN_VALUE, Integer.MAX_VALUE);
            };
            last[i] = i == n - 1 || rnd.nextInt(10) == 0;
        }
        return new Case(what, channels, toGelu, gelu, out, acc, last);
    }

    /** A valid Requant with any multiplier and shift, factors up to 2^30: results overflow a long. */
    static Requant wildRequant(Random rnd) {
        return new Requant((1 << 30) + rnd.nextInt(1 << 30), 1 + rnd.nextInt(rnd.nextBoolean() ? 126 : 40));
    }

    static long[] toLongs(int[] a) {
        long[] v = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            v[i] = a[i];
        }
        return v;
    }

    private static Path work(Design d, String what) {
        return Path.of("target", "work", d.top().name(), what);
    }
}
