package dev.vitforge.host.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.sparse.BlockSparseGemm;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.sim.tb.Seeds;

/**
 * The generated engine on Verilator against the reference, across block sizes, token counts
 * (1, 8, 45, 197 and odd ones), K and N that are not multiples of B, densities 0 to 1 with
 * empty block-columns, and random backpressure on every stream. Without backpressure the
 * engine's busy_cycles must equal the analytic model exactly (tolerance 0: the model is the
 * RTL's recurrence, so any difference is a bug in one of them); with backpressure the model is
 * a lower bound.
 */
class SimGemmEngineTest {
    /**
     * Six engines: one per block size, one with 16-row tiles sized exactly for its case (M, K
     * and the columns at their maxima, K a power of two), one with single-row tiles and two X
     * columns per beat, one with four X columns per beat. Each is built once per run (and
     * cached across runs).
     */
    private static final Map<String, GemmConfig> CONFIGS = Map.of(
            "b8", GemmConfig.of(8, 8, 2, 80, 200, 8),
            "b16", GemmConfig.of(16, 8, 3, 100, 200, 4),
            "b32", GemmConfig.of(32, 8, 1, 70, 200, 3),
            "tile16", GemmConfig.of(16, 16, 2, 64, 33, 4),
            "tile1", GemmConfig.of(8, 1, 1, 16, 5, 2, 2),
            "x4", GemmConfig.of(16, 8, 2, 100, 50, 4, 4));
    private static final Map<String, SimGemmEngine> ENGINES = new ConcurrentHashMap<>();

    private static SimGemmEngine engine(String name) {
        return ENGINES.computeIfAbsent(name, n -> new SimGemmEngine(CONFIGS.get(n), false));
    }

    static Int8Tensor random(Random rnd, int rows, int cols) {
        byte[] d = new byte[rows * cols];
        rnd.nextBytes(d);
        return new Int8Tensor(new int[] {rows, cols}, d);
    }

    @ParameterizedTest(name = "{0}: M={1} K={2} N={3} density={4} valid/ready={5}%")
    @CsvSource({
            "b8, 1, 17, 9, 0.5, 100",
            "b8, 8, 64, 64, 1.0, 100",
            "b8, 45, 61, 23, 0.1, 100",
            "b8, 197, 80, 40, 0.5, 100",
            "b8, 13, 33, 29, 0.0, 100",
            "b8, 45, 61, 23, 0.5, 60",
            "b16, 1, 100, 40, 1.0, 100",
            "b16, 45, 100, 50, 0.5, 100",
            "b16, 197, 96, 48, 0.5, 100",
            "b16, 31, 47, 33, 0.1, 100",
            "b16, 9, 100, 64, 0.5, 45",
            "b16, 197, 37, 21, 0.0, 100",
            "b32, 1, 70, 96, 1.0, 100",
            "b32, 45, 65, 70, 0.5, 100",
            "b32, 197, 64, 96, 0.5, 70",
            "tile16, 33, 64, 64, 0.5, 100",
            "tile16, 33, 64, 64, 1.0, 50",
            "tile16, 16, 5, 64, 1.0, 100",
            "tile1, 5, 16, 16, 0.5, 100",
            "tile1, 5, 16, 16, 1.0, 55",
            "tile1, 1, 3, 9, 1.0, 100",
            "x4, 50, 99, 64, 0.5, 100",
            "x4, 21, 37, 50, 0.1, 100",
            "x4, 50, 100, 64, 1.0, 65",
            "x4, 3, 2, 17, 1.0, 100",
    })
    void matchesReferenceAndCycleModel(String engineName, int m, int k, int n, double density, int percent) {
        int b = CONFIGS.get(engineName).blockSize();
        long seed = Seeds.of("gemm " + engineName + " M=" + m, 31L * m + k + n + b);
        Random rnd = new Random(seed);
        Int8Tensor x = random(rnd, m, k);
        Int8Tensor w = random(rnd, n, k);
        int rows = (n + b - 1) / b;
        int cols = (k + b - 1) / b;
        boolean[] kept = new boolean[rows * cols];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = rnd.nextDouble() < density;
        }
        if (density > 0 && density < 1 && rows > 1) {
            java.util.Arrays.fill(kept, (rows - 1) * cols, rows * cols, false); // an empty block-column
        }
        BlockMask mask = new BlockMask(b, rows, cols, kept);
        SimGemmEngine.Backpressure bp = percent == 100 ? SimGemmEngine.Backpressure.NONE
                : new SimGemmEngine.Backpressure(seed, percent, percent);
        GemmRun run = engine(engineName).run(x, w, mask, bp, null);
        String replay = Seeds.replay("host", "SimGemmEngineTest", seed);
        assertArrayEquals(BlockSparseGemm.reference(x, w, mask).data(), run.y().data(), replay);
        if (percent == 100) {
            assertEquals(run.predictedCycles(), run.cycles(), "busy_cycles against the cycle model; " + replay);
            assertEquals(0, run.stallInCycles(), "streams were always valid");
        } else {
            assertTrue(run.cycles() >= run.predictedCycles(), "backpressure cannot make the engine faster");
        }
        assertEquals((long) mask.nonzeroBlocks() * CONFIGS.get(engineName).tiles(m), run.blocksComputed(), "blocks_computed counts every non-zero block once per row tile");
    }

    /**
     * The engine model's per-tile timing against the RTL: the cycle in which each row tile's last Y beat
     * leaves (what the fused selector's bench feeds the selector with) and the run's busy_cycles, with X at
     * full rate and with each tile's X rows arriving late at seeded random cycles (what the following
     * block's qkv sees); on three engines, one with a lane that has no column, with a partial last tile
     * and an empty block-column.
     */
    @org.junit.jupiter.api.Test
    void perTileTimingMatchesTheModel() {
        long seed = dev.vitforge.sim.tb.Seeds.of("gemm tile timing", 113);
        Random rnd = new Random(seed);
        for (String name : new String[] {"b16", "tile16", "x4"}) {
            GemmConfig c = CONFIGS.get(name);
            int m = Math.min(c.maxM(), 45);
            int k = Math.min(c.maxK(), 48);
            int n = (name.equals("b16") ? 2 : 3) * c.blockSize(); // b16: 3 lanes, 2 columns, so one lane has none
            Int8Tensor x = random(rnd, m, k);
            int b = c.blockSize();
            boolean[][] kept = new boolean[n / b][(k + b - 1) / b];
            for (int j = 1; j < kept.length; j++) { // output block-column 0 stays empty
                for (int i = 0; i < kept[j].length; i++) {
                    kept[j][i] = rnd.nextBoolean();
                }
            }
            byte[] wd = new byte[n * k];
            for (int e = 0; e < wd.length; e++) { // a kept block's elements are never 0, a dropped block's always
                wd[e] = (byte) (kept[e / k / b][e % k / b] ? 1 + rnd.nextInt(255) : 0);
            }
            Int8Tensor w = new Int8Tensor(new int[] {n, k}, wd);
            BlockMask mask = BlockMask.fromWeights(w, c.blockSize());
            int[] beats = dev.vitforge.hwgen.gemm.GemmCycleModel.beatsPerColumn(mask, k);
            dev.vitforge.hwgen.gemm.GemmSchedule schedule = dev.vitforge.hwgen.gemm.GemmSchedule.balance(beats,
                    c.lanes());
            String what = name + ", seed " + seed;
            SimGemmEngine.TileTiming full = engine(name).tileDrains(x, w, mask);
            assertArrayEquals(dev.vitforge.hwgen.gemm.GemmCycleModel.tileDrains(c, schedule, beats, m, k),
                    full.drains(), "drains at full rate, " + what);
            assertEquals(dev.vitforge.hwgen.gemm.GemmCycleModel.cycles(c, schedule, beats, m, k), full.busyCycles(),
                    "busy cycles at full rate, " + what);
            long[] late = new long[c.tiles(m)];
            long at = 0;
            for (int t = 0; t < late.length; t++) {
                at += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(200);
                late[t] = at;
            }
            SimGemmEngine.TileTiming measured = engine(name).tileDrains(x, w, mask, late);
            assertArrayEquals(dev.vitforge.hwgen.gemm.GemmCycleModel.tileDrains(c, schedule, beats, m, k, late),
                    measured.drains(), "drains with late X " + java.util.Arrays.toString(late) + ", " + what);
            assertEquals(dev.vitforge.hwgen.gemm.GemmCycleModel.cycles(c, schedule, beats, m, k, late),
                    measured.busyCycles(), "busy cycles with late X " + java.util.Arrays.toString(late) + ", " + what);
        }
    }
}
