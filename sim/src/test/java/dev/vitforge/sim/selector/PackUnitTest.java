package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector's pack unit on Verilator against {@link IntegerSelector#pack}: random rows and
 * decisions at several widths, lane counts (1, 4, 16) and row counts, the edge cases of the package
 * arithmetic (nothing or everything dropped, W = 0, extreme values, a weight large enough to wrap the
 * int64 sums), random backpressure on all four streams, the exact cycle count with nothing stalling,
 * lint, and Icarus agreeing with Verilator. The designs: dim 4 with 1 lane, 12 with 4 (3 beats a
 * row), 16 with 16 (one beat a row, the forwarded read-modify-write) and 64 with 16. Runs on one
 * instance go back to back, so the unit's return to its load phase after a run is exercised too.
 */
class PackUnitTest {
    static final int MAX_TOKENS = 50;
    static final int[] ROW_COUNTS = {0, 1, 2, 9, 50};
    /** {dim, lanes} of the designs built. */
    static final int[][] SHAPES = {{4, 1}, {12, 4}, {16, 16}, {64, 16}};

    /** One packing problem: n rows with their decisions, and the previous package token. */
    record Case(String what, int[][] patches, boolean[] keep, int[] p, int[] pkg, long weight) {
        int dim() {
            return pkg.length;
        }
    }

    static SimInstance instance(int dim, int lanes) {
        return VerilatorModel.build(DesignFiles.source(PackUnit.design(dim, MAX_TOKENS, lanes))).newInstance();
    }

    /** Runs one case on the instance, checks both outputs against the reference, returns the cycles. */
    static long run(SimInstance sim, int lanes, Case c, String replay) {
        int dim = c.dim();
        int b = dim / lanes;
        int n = c.patches().length;
        IntegerSelector.Packed ref = PackUnit.reference(c.patches(), c.keep(), c.p(), c.pkg(), c.weight());
        sim.poke("tokens", n);
        sim.poke("pkg_weight_in", c.weight());
        sim.push("pkg_in", PackUnit.packageBeats(c.pkg(), lanes), PackUnit.rowLast(1, b));
        if (n > 0) {
            sim.push("in", PackUnit.inBeats(c.patches(), c.keep(), c.p(), lanes), PackUnit.rowLast(n, b));
        }
        int keptRows = ref.kept().length;
        sim.expect("kept", keptRows * b);
        sim.expect("pkg_out", b);
        long cycles = sim.run(40L * ((n + 1) * b + dim) + 2000);
        assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, c.what() + ": the run did not finish\n" + replay);

        Beats kept = sim.pop("kept");
        List<String> keptExpected = new ArrayList<>();
        for (int[] r : ref.kept()) {
            for (int k = 0; k < b; k++) {
                keptExpected.add(Arrays.toString(Arrays.copyOfRange(r, k * lanes, k * lanes + lanes))
                        + (k == b - 1 ? " last" : ""));
            }
        }
        List<String> keptActual = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            keptActual.add(Arrays.toString(kept.words(i)) + (kept.last()[i] ? " last" : ""));
        }
        new Scoreboard(c.what() + ": kept", replay).check(keptExpected, keptActual);
        if (kept.size() == keptRows * b) {
            int[][] rows = PackUnit.keptRows(kept.words(), dim, lanes);
            assertEquals(Arrays.deepToString(ref.kept()), Arrays.deepToString(rows), c.what() + ": keptRows\n" + replay);
        }

        Beats pkg = sim.pop("pkg_out");
        List<String> pkgExpected = new ArrayList<>();
        PackUnit.PackageBeat[] beats = PackUnit.expectedPackage(ref, lanes);
        for (int k = 0; k < b; k++) {
            pkgExpected.add(beats[k] + (k == b - 1 ? " last" : ""));
        }
        List<String> pkgActual = new ArrayList<>();
        for (int i = 0; i < pkg.size(); i++) {
            pkgActual.add(PackUnit.packageBeat(pkg.words(i), lanes) + (pkg.last()[i] ? " last" : ""));
        }
        new Scoreboard(c.what() + ": pkg_out", replay).check(pkgExpected, pkgActual);
        IntegerSelector.Packed decoded = PackUnit.packageOut(pkg.words(), ref.kept(), lanes);
        assertArrayEquals(ref.pkg(), decoded.pkg(), c.what() + ": packageOut\n" + replay);
        assertEquals(ref.pkgWeight() & ((1L << PackUnit.WEIGHT_BITS) - 1), decoded.pkgWeight(), c.what());
        return cycles;
    }

    /** n random rows: keep with probability keepPct, p in 0..32768, x of every magnitude. */
    static Case random(Random rnd, String what, int dim, int n, int keepPct, long weight) {
        int[][] x = new int[n][dim];
        boolean[] keep = new boolean[n];
        int[] p = new int[n];
        for (int t = 0; t < n; t++) {
            keep[t] = rnd.nextInt(100) < keepPct;
            p[t] = switch (rnd.nextInt(6)) {
                case 0 -> 32768;
                case 1 -> rnd.nextInt(4);
                default -> rnd.nextInt(32769);
            };
            for (int c = 0; c < dim; c++) {
                x[t][c] = value(rnd);
            }
        }
        int[] pkg = new int[dim];
        for (int c = 0; c < dim; c++) {
            pkg[c] = value(rnd); // nonzero even at P = 0, so a pass-through shows
        }
        return new Case(what, x, keep, p, pkg, weight);
    }

    static int value(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt();
            case 1 -> rnd.nextInt(2001) - 1000;
            case 2 -> rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            default -> rnd.nextInt(1 << 16) - (1 << 15);
        };
    }

    /** A package weight as a previous stage leaves it: 0 (nothing dropped yet) or a sum of p's. */
    static long weight(Random rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> 0;
            case 1 -> 1 + rnd.nextInt(32768);
            default -> (long) rnd.nextInt(200) * 32768 + rnd.nextInt(32768);
        };
    }

    @Test
    void packsLikeTheReferenceUnderBackpressure() {
        long seed = Seeds.of("pack unit", 23);
        String replay = Seeds.replay("sim", "PackUnitTest", seed);
        Random rnd = new Random(seed);
        for (int[] shape : SHAPES) {
            int dim = shape[0];
            int lanes = shape[1];
            try (SimInstance sim = instance(dim, lanes)) {
                sim.reset(2);
                for (int n : ROW_COUNTS) {
                    sim.backpressure(rnd.nextLong(), 30 + rnd.nextInt(71), 30 + rnd.nextInt(71));
                    run(sim, lanes, random(rnd, "dim " + dim + ", lanes " + lanes + ", n " + n, dim, n,
                            rnd.nextInt(101), weight(rnd)), replay);
                }
            }
        }
    }

    /** The edge cases at 3 beats of 4 lanes a row, and at one beat of 16 lanes (the forwarded sums). */
    @Test
    void edgeCasesOfThePackageArithmetic() {
        long seed = Seeds.of("pack unit edges", 29);
        String replay = Seeds.replay("sim", "PackUnitTest", seed);
        Random rnd = new Random(seed);
        for (int[] shape : new int[][] {{12, 4}, {16, 16}}) {
            int dim = shape[0];
            int lanes = shape[1];
            try (SimInstance sim = instance(dim, lanes)) {
                sim.reset(2);
                for (Case c : edgeCases(rnd, dim)) {
                    sim.backpressure(rnd.nextLong(), 30 + rnd.nextInt(71), 30 + rnd.nextInt(71));
                    run(sim, lanes, c, replay);
                }
            }
        }
    }

    static List<Case> edgeCases(Random rnd, int dim) {
        String at = ", dim " + dim;
        List<Case> cases = new ArrayList<>();
        for (int n : ROW_COUNTS) {
            cases.add(random(rnd, "nothing dropped, P > 0, n " + n + at, dim, n, 100, 1 + rnd.nextInt(1 << 22)));
            cases.add(random(rnd, "everything dropped, P > 0, n " + n + at, dim, n, 0, 1 + rnd.nextInt(1 << 22)));
            cases.add(random(rnd, "everything dropped, P = 0, n " + n + at, dim, n, 0, 0));
            cases.add(random(rnd, "nothing dropped, P = 0, n " + n + at, dim, n, 100, 0));
        }
        // p = 0 on every dropped row: with P = 0, W stays 0 and the package passes unchanged; with
        // P > 0 the division gives the package token back.
        for (long weight : new long[] {0, 12345}) {
            Case c = random(rnd, "p = 0 on dropped rows, P " + weight + at, dim, 9, 40, weight);
            for (int t = 0; t < 9; t++) {
                c.p()[t] = c.keep()[t] ? c.p()[t] : 0;
            }
            c.keep()[0] = false;
            c.p()[0] = 0;
            cases.add(c);
        }
        // Extreme x at full weight: the package becomes the extreme values themselves.
        int[][] extreme = new int[9][dim];
        for (int t = 0; t < 9; t++) {
            for (int c = 0; c < dim; c++) {
                extreme[t][c] = c % 3 == 0 ? Integer.MIN_VALUE : c % 3 == 1 ? Integer.MAX_VALUE : (t % 2 == 0
                        ? Integer.MIN_VALUE : Integer.MAX_VALUE);
            }
        }
        int[] full = new int[9];
        Arrays.fill(full, 32768);
        cases.add(new Case("extreme x, P = 0" + at, extreme, new boolean[9], full, new int[dim], 0));
        int[] extremePkg = new int[dim];
        for (int c = 0; c < dim; c++) {
            extremePkg[c] = c % 2 == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        }
        cases.add(new Case("extreme x and package, P large" + at, extreme, new boolean[9], full, extremePkg,
                200L * 32768));
        // P = 2^39: P pkg wraps the int64 sums the way the reference's long does.
        cases.add(new Case("P pkg wraps at 64 bits" + at, extreme, new boolean[9], full, extremePkg, 1L << 39));
        // One half-way case of each sign: (1 + 2) / 2 and (-1 - 2) / 2 round away from zero.
        int[][] halves = new int[2][dim];
        int[][] firstFour = {{1, -1, 3, -3}, {2, -2, 4, -4}};
        for (int t = 0; t < 2; t++) {
            System.arraycopy(firstFour[t], 0, halves[t], 0, 4);
        }
        cases.add(new Case("halves round away from zero" + at, halves, new boolean[2], new int[] {7, 7},
                new int[dim], 0));
        return cases;
    }

    @Test
    void cyclesMatchTheModelWithNothingStalling() {
        long seed = Seeds.of("pack unit cycles", 31);
        String replay = Seeds.replay("sim", "PackUnitTest", seed);
        Random rnd = new Random(seed);
        for (int[] shape : SHAPES) {
            int dim = shape[0];
            int lanes = shape[1];
            try (SimInstance sim = instance(dim, lanes)) {
                sim.reset(2);
                for (int n : ROW_COUNTS) {
                    sim.backpressure(rnd.nextLong(), 100, 100);
                    Case c = random(rnd, "cycles dim " + dim + ", lanes " + lanes + ", n " + n, dim, n,
                            rnd.nextInt(101), weight(rnd));
                    assertEquals(PackUnit.cycles(dim, n, lanes), run(sim, lanes, c, replay), c.what() + "\n" + replay);
                }
            }
        }
    }

    @Test
    void lintIsClean() {
        // With and without the forwarding of one-beat rows, with and without lanes.
        for (int[] shape : new int[][] {{4, 1}, {12, 4}, {16, 16}}) {
            Design d = PackUnit.design(shape[0], MAX_TOKENS, shape[1]);
            KernelChecks.assertLintClean(d);
        }
    }

    /**
     * Icarus and Verilator on the same random stimulus (random valids, readies and data on every
     * input), with {@code tokens} held at 3 so that whole runs, drains included, happen in it; on the
     * 4-lane design, so the lane gathering of the drain is in it.
     */
    @Test
    void verilatorAgreesWithIcarus() {
        Design d = PackUnit.design(12, MAX_TOKENS, 4);
        long seed = Seeds.of("pack unit cross-simulation", 37);
        KernelChecks.assertIcarusAgrees(d, seed, 1500, "PackUnitTest", stimulus -> {
            int tokens = stimulus.inputs().stream().map(p -> p.name()).toList().indexOf("tokens");
            for (java.math.BigInteger[] row : stimulus.cycles()) {
                row[tokens] = java.math.BigInteger.valueOf(3);
            }
        });
    }

}
