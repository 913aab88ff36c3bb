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
 * selector's RTL timed beside the engine ({@link FusedChainRun}): the stages' ends, the following qkv's
 * first tile and the delay it causes are equal, cycle for cycle. DeiT-T's sizes and D 96 / H 6 (d 16);
 * engines of the ZCU102 and the KV260 (the front keeps up with fc2) and the U50 (fc2 outruns the front);
 * seeded random decisions keeping a tenth to nine tenths; 4 lanes and 2.
 */
class FusedChainRunTest {
    @ParameterizedTest(name = "D = {0}, H = {1}, {2}, keep {3}%, {4} lanes")
    @CsvSource({"192, 3, zcu102, 50, 4", "192, 3, u50, 50, 4", "192, 3, zcu102, 10, 4", "96, 6, kv260, 30, 4",
            "96, 6, u50, 90, 4", "192, 3, zcu104, 50, 2"})
    void theOverlapModelMatchesTheRtl(int dim, int heads, String board, int keepPercent, int lanes) {
        long seed = Seeds.of("fused chain timing", 7L * keepPercent + 31L * heads + board.length());
        String replay = Seeds.replay("host", "FusedChainRunTest", seed);
        Architecture a = new Architecture("deit", dim, 12, heads, 4.0, 16, 224, 3, 1000);
        Function<String, BlockMask> masks = name -> SelectorBench.fiftyPercent(name, dim);
        ModelPlan plan = ModelPlan.plan(a, List.of(new Selector(3, keepPercent / 100.0)), masks, 16,
                Board.named(board));
        GemmConfig engine = plan.engine();
        Random rnd = new Random(seed);
        boolean[] keep = new boolean[196];
        for (int t = 0; t < keep.length; t++) {
            keep[t] = rnd.nextInt(100) < keepPercent;
        }
        FusedSelector.Shapes shapes = FusedSelector.Shapes.of(dim, heads, lanes);
        BlockMask fc2 = masks.apply("blocks.2.mlp.fc2");
        BlockMask qkv = masks.apply("blocks.3.attn.qkv");
        FusedChainRun.Measured m = new FusedChainRun(shapes).measure(engine, fc2, 4 * dim, 197, keep, qkv);
        FusedSelectorTiming.Timing p = FusedSelectorTiming.predict(shapes, engine, fc2, 4 * dim, 197, 1, keep, qkv);
        String what = String.format("D %d, H %d, %s, keep %d%%: front, global, tail, pack ends, qkv's first tile, its delay: "
                + "measured %d %d %d %d %d %d, predicted %d %d %d %d %d %d%n%s", dim, heads, board, keepPercent, m.frontEnd(),
                m.globalEnd(), m.tailEnd(), m.packEnd(), m.qkvReady()[0], m.exposed(), p.frontEnd(), p.globalEnd(),
                p.tailEnd(), p.packEnd(), p.qkvReady()[0], p.exposed(), replay);
        System.out.println("[fused chain] " + what);
        close(m.precedingEnd(), p.precedingEnd(), "fc2's end", what);
        close(m.frontEnd(), p.frontEnd(), "front", what);
        close(m.globalEnd(), p.globalEnd(), "mlp.0 global", what);
        close(m.tailEnd(), p.tailEnd(), "tail", what);
        close(m.packEnd(), p.packEnd(), "pack", what);
        close(m.qkvReady()[0], p.qkvReady()[0], "qkv's first tile", what);
        close(m.exposed(), p.exposed(), "the qkv's delay", what);
    }

    private static void close(long measured, long predicted, String what, String context) {
        assertEquals(measured, predicted, what + "\n" + context);
    }
}
