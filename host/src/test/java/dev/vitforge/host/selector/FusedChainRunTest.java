package dev.vitforge.host.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.FusedSelectorTiming;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.sim.tb.Seeds;

/**
 * {@link FusedSelectorTiming}, the overlap model the plan and {@code run} use, against the fused
 * selector's RTL timed beside the engine ({@link FusedChainRun}): the stages' ends, when each of the
 * following qkv's row tiles has its rows, and the delay it causes are equal, cycle for cycle. DeiT-T's
 * sizes and D 96 / H 6 (d 16); engines of the ZCU102, ZCU104 and KV260 (the front keeps up with fc2)
 * and the U50 (fc2 outruns the front); seeded random decisions keeping a tenth to nine tenths; 4 lanes
 * and 2; the first selector after fc2, a later one (a package token in fc2's rows) and one before block 0
 * (beside the patch embedding).
 */
class FusedChainRunTest {
    @ParameterizedTest(name = "D = {0}, H = {1}, {2}, keep {3}%, {4} lanes, before block {5}, {6} patches")
    @CsvSource({"192, 3, zcu102, 50, 4, 3, 196", "192, 3, u50, 50, 4, 3, 196", "192, 3, zcu102, 10, 4, 3, 196",
            "96, 6, kv260, 30, 4, 3, 196", "96, 6, u50, 90, 4, 3, 196", "192, 3, zcu104, 50, 2, 3, 196",
            "192, 3, zcu102, 60, 4, 6, 137", "192, 3, zcu102, 50, 4, 0, 196", "192, 3, u50, 70, 2, 0, 196"})
    void theOverlapModelMatchesTheRtl(int dim, int heads, String board, int keepPercent, int lanes, int block,
                                      int n) {
        long seed = Seeds.of("fused chain timing", 7L * keepPercent + 31L * heads + 101L * block + board.length());
        String replay = Seeds.replay("host", "FusedChainRunTest", seed);
        Architecture a = new Architecture("deit", dim, 12, heads, 4.0, 16, 224, 3, 1000);
        Function<String, BlockMask> masks = name -> SelectorBench.fiftyPercent(name, dim);
        ModelPlan plan = ModelPlan.plan(a, List.of(new Selector(3, keepPercent / 100.0)), masks, 16,
                Board.named(board));
        GemmConfig engine = plan.engine();
        Random rnd = new Random(seed);
        boolean[] keep = new boolean[n];
        for (int t = 0; t < keep.length; t++) {
            keep[t] = rnd.nextInt(100) < keepPercent;
        }
        FusedSelector.Shapes shapes = FusedSelector.Shapes.of(dim, heads, lanes);
        // Before block 0 the selector overlaps the patch embedding (no CLS row); before a later block the
        // preceding fc2 carries CLS, the patches and, after an earlier selector (n < 196), the package token.
        boolean hasPackage = n < 196;
        int patchK = 3 * 16 * 16;
        BlockMask preceding = block == 0 ? BlockMask.full(16, dim, patchK) : masks.apply("blocks." + (block - 1)
                + ".mlp.fc2");
        int k = block == 0 ? patchK : 4 * dim;
        int m = block == 0 ? n : 1 + n + (hasPackage ? 1 : 0);
        BlockMask qkv = masks.apply("blocks." + block + ".attn.qkv");
        FusedChainRun.Measured r = new FusedChainRun(shapes).measure(engine, preceding, k, m, block == 0 ? 0 : 1,
                hasPackage, keep, qkv);
        FusedSelectorTiming.Timing p = FusedSelectorTiming.predictBefore(shapes, a, masks, 16, engine, block, keep,
                hasPackage);
        String what = String.format("D %d, H %d, %s, keep %d%%, before block %d: front, global, tail, pack ends, qkv's "
                + "first tile, its delay: measured %d %d %d %d %d %d, predicted %d %d %d %d %d %d%n%s", dim, heads,
                board, keepPercent, block, r.frontEnd(), r.globalEnd(), r.tailEnd(), r.packEnd(), r.qkvReady()[0],
                r.exposed(), p.frontEnd(), p.globalEnd(), p.tailEnd(), p.packEnd(), p.qkvReady()[0], p.exposed(), replay);
        System.out.println("[fused chain] " + what);
        close(r.precedingEnd(), p.precedingEnd(), "the preceding product's end", what);
        close(r.frontEnd(), p.frontEnd(), "front", what);
        close(r.globalEnd(), p.globalEnd(), "mlp.0 global", what);
        close(r.tailEnd(), p.tailEnd(), "tail", what);
        close(r.packEnd(), p.packEnd(), "pack", what);
        for (int t = 0; t < r.qkvReady().length; t++) {
            close(r.qkvReady()[t], p.qkvReady()[t], "qkv's tile " + t, what);
        }
        close(r.exposed(), p.exposed(), "the qkv's delay", what);
    }

    private static void close(long measured, long predicted, String what, String context) {
        assertEquals(measured, predicted, what + "\n" + context);
    }
}
