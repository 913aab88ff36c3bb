package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.GeluUnit;
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
 * The lane-parallel GELU unit on Verilator against the models reference
 * {@code SelectorKernels.JAVA.gelu}, i.e. {@code out.toInt8(gelu.apply(toGelu[c].toInt32(acc)))} per
 * accumulator: 1, 4 and 16 lanes, channel counts that divide the lanes, are divided by them or
 * neither (1, 3, 16, 64 and a few odd ones), row lengths that leave the last beat part-filled,
 * calibrated constants over four decades of input scale, per-channel factors including 0,
 * accumulators at the int32 extremes, and constants far outside calibration so the 64-bit wrap of
 * the reference is mirrored too; random backpressure and the exact cycle model.
 *
 * <p>Three builds cover the lanes: (max channels, lanes) = (64, 1), (16, 4), (64, 16).
 */
class GeluUnitTest {
    /** A build and the channel counts run on it. */
    record Config(int maxChannels, int lanes, int[] channels) {}

    static final List<Config> CONFIGS = List.of(
            new Config(64, 1, new int[] {1, 3, 16, 64}),
            new Config(16, 4, new int[] {1, 3, 5, 16}),
            new Config(64, 16, new int[] {1, 3, 7, 16, 48, 64}));
    static final double[] IN_SCALES = {1e-4, 1e-3, 1e-2, 0.1, 1.0};

    static final Map<String, VerilatorModel> MODELS = new HashMap<>();

    static VerilatorModel model(int maxChannels, int lanes) {
        return MODELS.computeIfAbsent(maxChannels + "/" + lanes,
                k -> VerilatorModel.build(DesignFiles.source(GeluUnit.design(maxChannels, lanes))));
    }

    /** One use of the unit: its constants, per-channel table and data; last marks beats. */
    record Case(String what, int channels, Requant[] toGelu, IntOps.Gelu gelu, Requant out, int[] acc,
                boolean[] last) {
        /** The reference the selector runs on the cpu device. */
        byte[] expected() {
            return SelectorKernels.JAVA.gelu(acc, channels, toGelu, gelu, out);
        }
    }

    @Test
    void matchesTheReferenceUnderBackpressure() {
        long seed = Seeds.of("gelu unit", 23);
        Random rnd = new Random(seed);
        int k = 0;
        for (Config cfg : CONFIGS) {
            int lanes = cfg.lanes();
            List<Case> cases = new ArrayList<>();
            for (int channels : cfg.channels()) {
                for (double inScale : IN_SCALES) {
                    IntOps.Gelu gelu = IntOps.Gelu.of(inScale);
                    // The int8 scale of the GELU output, as calibration would set it (max / 127), give or take.
                    double s8 = (1 << 14) * inScale * (0.1 + rnd.nextDouble()) / 127;
                    cases.add(randomCase("in scale " + inScale, rnd, channels, lanes, gelu,
                            Requant.of(gelu.outScale() / s8)));
                }
            }
            // Constants no calibration gives: the reference wraps at 64 bits and so must the unit.
            for (int channels : new int[] {3, 16}) {
                cases.add(randomCase("wild constants", rnd, channels, lanes,
                        new IntOps.Gelu(1, rnd.nextLong(), rnd.nextLong(), 1), wildRequant(rnd)));
                cases.add(randomCase("b = Long.MIN_VALUE", rnd, channels, lanes,
                        new IntOps.Gelu(1, Long.MIN_VALUE, rnd.nextLong() >> rnd.nextInt(64), 1), wildRequant(rnd)));
                cases.add(randomCase("small b, c", rnd, channels, lanes,
                        new IntOps.Gelu(1, -rnd.nextInt(1 << 20), -rnd.nextInt(1 << 30), 1),
                        Requant.of(rnd.nextDouble() * 0x1p-20)));
                cases.add(randomCase("output factor 0", rnd, channels, lanes, IntOps.Gelu.of(1e-3),
                        new Requant(0, 1)));
            }
            // Less than one beat of data, and exactly one beat.
            cases.add(withLength(randomCase("one element", rnd, 3, lanes, IntOps.Gelu.of(1e-2), wildRequant(rnd)), 1, lanes));
            cases.add(withLength(randomCase("one beat", rnd, 3, lanes, IntOps.Gelu.of(1e-2), wildRequant(rnd)), lanes, lanes));
            VerilatorModel model = model(cfg.maxChannels(), lanes);
            for (Case c : cases) {
                try (SimInstance sim = start(model, c, lanes)) {
                    sim.backpressure(seed + k++, 40 + rnd.nextInt(61), 30 + rnd.nextInt(71));
                    int beats = GeluUnit.beats(c.acc().length, lanes);
                    sim.expect("out", beats);
                    long cycles = sim.run(20L * (beats + c.channels()) + 100);
                    assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, c.what() + ", lanes " + lanes + "\n"
                            + Seeds.replay("sim", "GeluUnitTest", seed));
                    check(c, lanes, sim.pop("out"), seed);
                }
            }
        }
    }

    @Test
    void fullRateTakesExactlyTheModelledCycles() {
        long seed = Seeds.of("gelu unit cycles", 29);
        Random rnd = new Random(seed);
        for (Config cfg : CONFIGS) {
            int lanes = cfg.lanes();
            for (int channels : cfg.channels()) {
                IntOps.Gelu gelu = IntOps.Gelu.of(1e-2);
                Case c = randomCase("cycles", rnd, channels, lanes, gelu,
                        Requant.of(gelu.outScale() * 127 / ((1 << 14) * 1e-2)));
                try (SimInstance sim = start(model(cfg.maxChannels(), lanes), c, lanes)) {
                    sim.backpressure(seed, 100, 100);
                    sim.expect("out", GeluUnit.beats(c.acc().length, lanes));
                    long cycles = sim.run(10_000);
                    assertEquals(GeluUnit.cycles(channels, c.acc().length, lanes), cycles,
                            "channels " + channels + ", lanes " + lanes + ", elements " + c.acc().length);
                    check(c, lanes, sim.pop("out"), seed);
                }
            }
        }
    }

    @Test
    void lintIsSilent() {
        for (Design d : List.of(GeluUnit.design(64, 16), GeluUnit.design(1, 1), GeluUnit.design(3, 4),
                GeluUnit.design(64, 1))) {
            KernelChecks.assertLintClean(d);
        }
    }

    @Test
    void verilatorAgreesWithIcarus() {
        Design d = GeluUnit.design(16, 4); // the 4-lane build the other tests use
        long seed = Seeds.of("gelu unit cross-simulation", 31);
        KernelChecks.assertIcarusAgrees(d, seed, 400, "GeluUnitTest");
    }

    /**
     * A fresh instance with the case's constants poked, its table queued (a new table needs a
     * reset) and its data queued as the host sends it: L values per beat, the last beat padded with 0.
     */
    static SimInstance start(VerilatorModel model, Case c, int lanes) {
        SimInstance sim = model.newInstance();
        sim.reset(2);
        sim.poke("channels", c.channels());
        sim.pokeWide("gelu_b", wide64(c.gelu().bInt()));
        sim.pokeWide("gelu_c", wide64(c.gelu().cInt()));
        sim.poke("out_mult", c.out().multiplier());
        sim.poke("out_shift", c.out().shift());
        long[] table = new long[c.channels()];
        for (int i = 0; i < table.length; i++) {
            table[i] = (long) c.toGelu()[i].shift() << 31 | c.toGelu()[i].multiplier();
        }
        sim.push("param", table); // TLAST on the last entry
        int beats = GeluUnit.beats(c.acc().length, lanes);
        int[][] words = new int[beats][lanes];
        for (int e = 0; e < c.acc().length; e++) {
            words[e / lanes][e % lanes] = c.acc()[e];
        }
        sim.push("in", words, c.last());
        return sim;
    }

    /** Every element against the reference (padding dropped), every beat's TLAST against the input's. */
    static void check(Case c, int lanes, Beats out, long seed) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        byte[] reference = c.expected();
        int n = c.acc().length;
        for (int e = 0; e < n; e++) {
            expected.add(line(c, e, lanes, reference[e], c.last()[e / lanes]));
        }
        for (int b = 0; b < out.size(); b++) {
            int[] w = out.words(b);
            for (int j = 0; j < lanes && b * lanes + j < n; j++) {
                byte v = (byte) (w[j / 4] >>> (8 * (j % 4)));
                actual.add(line(c, b * lanes + j, lanes, v, out.last()[b]));
            }
        }
        new Scoreboard("gelu " + c.what() + ", lanes " + lanes, Seeds.replay("sim", "GeluUnitTest", seed))
                .check(expected, actual);
    }

    private static String line(Case c, int e, int lanes, byte v, boolean last) {
        return v + (last ? " last" : "") + "  (" + c.what() + ", channels " + c.channels() + ", element " + e
                + ", lane " + e % lanes + ", acc " + c.acc()[e] + ")";
    }

    /**
     * Random data and per-channel factors for one configuration: most accumulators spread over a
     * per-case magnitude that most factors map onto the GELU's input range (as calibration would),
     * the rest int32 extremes, 0 and full-range values; some factors 0, some saturating, some tiny.
     * The length leaves the last beat part-filled more often than not; TLAST is random per beat.
     */
    static Case randomCase(String what, Random rnd, int channels, int lanes, IntOps.Gelu gelu, Requant out) {
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
        int n = 3 * channels + rnd.nextInt(30 * lanes);
        int[] acc = new int[n];
        for (int i = 0; i < n; i++) {
            acc[i] = switch (rnd.nextInt(16)) {
                case 0 -> Integer.MIN_VALUE;
                case 1 -> Integer.MAX_VALUE;
                case 2 -> 0;
                case 3 -> rnd.nextInt();
                default -> (int) Requant.saturate(Math.round(rnd.nextGaussian() * Math.scalb(1.0, accBits)),
                        Integer.MIN_VALUE, Integer.MAX_VALUE);
            };
        }
        return new Case(what, channels, toGelu, gelu, out, acc, randomLast(rnd, GeluUnit.beats(n, lanes)));
    }

    /** The case cut to {@code n} elements. */
    static Case withLength(Case c, int n, int lanes) {
        int[] acc = Arrays.copyOf(c.acc(), n);
        return new Case(c.what(), c.channels(), c.toGelu(), c.gelu(), c.out(), acc,
                randomLast(new Random(n), GeluUnit.beats(n, lanes)));
    }

    static boolean[] randomLast(Random rnd, int beats) {
        boolean[] last = new boolean[beats];
        for (int i = 0; i < beats; i++) {
            last[i] = i == beats - 1 || rnd.nextInt(10) == 0;
        }
        return last;
    }

    /** A valid Requant with any multiplier and shift, factors up to 2^30: results overflow a long. */
    static Requant wildRequant(Random rnd) {
        return new Requant((1 << 30) + rnd.nextInt(1 << 30), 1 + rnd.nextInt(rnd.nextBoolean() ? 126 : 40));
    }

    static int[] wide64(long v) {
        return new int[] {(int) v, (int) (v >>> 32)};
    }

}
