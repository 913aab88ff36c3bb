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
    /** Three engines cover the block sizes; each is built once per run (and cached across runs). */
    private static final Map<Integer, SimGemmEngine> ENGINES = new ConcurrentHashMap<>();

    private static SimGemmEngine engine(int b) {
        return ENGINES.computeIfAbsent(b, size -> new SimGemmEngine(switch (size) {
            case 8 -> GemmConfig.of(8, 8, 2, 80, 200, 8);
            case 16 -> GemmConfig.of(16, 8, 3, 100, 200, 4);
            default -> GemmConfig.of(32, 8, 1, 70, 200, 3);
        }, false));
    }

    static Int8Tensor random(Random rnd, int rows, int cols) {
        byte[] d = new byte[rows * cols];
        rnd.nextBytes(d);
        return new Int8Tensor(new int[] {rows, cols}, d);
    }

    @ParameterizedTest(name = "B={0} M={1} K={2} N={3} density={4} valid/ready={5}%")
    @CsvSource({
            "8, 1, 17, 9, 0.5, 100",
            "8, 8, 64, 64, 1.0, 100",
            "8, 45, 61, 23, 0.1, 100",
            "8, 197, 80, 40, 0.5, 100",
            "8, 13, 33, 29, 0.0, 100",
            "8, 45, 61, 23, 0.5, 60",
            "16, 1, 100, 40, 1.0, 100",
            "16, 45, 100, 50, 0.5, 100",
            "16, 197, 96, 48, 0.5, 100",
            "16, 31, 47, 33, 0.1, 100",
            "16, 9, 100, 64, 0.5, 45",
            "16, 197, 37, 21, 0.0, 100",
            "32, 1, 70, 96, 1.0, 100",
            "32, 45, 65, 70, 0.5, 100",
            "32, 197, 64, 96, 0.5, 70",
    })
    void matchesReferenceAndCycleModel(int b, int m, int k, int n, double density, int percent) {
        long seed = Seeds.of("gemm B=" + b + " M=" + m, 31L * m + k + n + b);
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
        GemmRun run = engine(b).run(x, w, mask, bp, null);
        String replay = Seeds.replay("host", "SimGemmEngineTest", seed);
        assertArrayEquals(BlockSparseGemm.reference(x, w, mask).data(), run.y().data(), replay);
        if (percent == 100) {
            assertEquals(run.predictedCycles(), run.cycles(), "busy_cycles against the cycle model; " + replay);
            assertEquals(0, run.stallInCycles(), "streams were always valid");
        } else {
            assertTrue(run.cycles() >= run.predictedCycles(), "backpressure cannot make the engine faster");
        }
        assertEquals((long) mask.nonzeroBlocks() * engine(b).config().tiles(m), run.blocksComputed(), "blocks_computed counts every non-zero block once per row tile");
    }
}
