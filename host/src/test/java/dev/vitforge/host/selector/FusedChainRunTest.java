package dev.vitforge.host.selector;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * selector's RTL timed beside the engine ({@link FusedChainRun}) at DeiT-T's sizes: the stages' ends,
 * the following qkv's first tile and the delay it causes agree within 1% + 8 cycles. Engines of the
 * ZCU102 (the front keeps up with fc2) and the U50 (fc2 outruns the front), seeded random decisions
 * kept at about half and at a tenth.
 */
class FusedChainRunTest {
    @ParameterizedTest(name = "{0}, keep {1}%")
    @CsvSource({"zcu102, 50", "u50, 50", "zcu102, 10"})
    void theOverlapModelMatchesTheRtl(String board, int keepPercent) {
        long seed = Seeds.of("fused chain timing", 7L * keepPercent + board.length());
        String replay = Seeds.replay("host", "FusedChainRunTest", seed);
        Architecture a = new Architecture("deit", 192, 12, 3, 4.0, 16, 224, 3, 1000);
        Function<String, BlockMask> masks = name -> SelectorBench.fiftyPercent(name, 192);
        ModelPlan plan = ModelPlan.plan(a, List.of(new Selector(3, keepPercent / 100.0)), masks, 16,
                Board.named(board));
        GemmConfig engine = plan.engine();
        Random rnd = new Random(seed);
        boolean[] keep = new boolean[196];
        for (int t = 0; t < keep.length; t++) {
            keep[t] = rnd.nextInt(100) < keepPercent;
        }
        FusedSelector.Shapes shapes = FusedSelector.Shapes.of(192, 3);
        BlockMask fc2 = masks.apply("blocks.2.mlp.fc2");
        BlockMask qkv = masks.apply("blocks.3.attn.qkv");
        FusedChainRun.Measured m = new FusedChainRun(shapes).measure(engine, fc2, 768, 197, keep, qkv);
        FusedSelectorTiming.Timing p = FusedSelectorTiming.predict(shapes, engine, fc2, 768, 197, 1, keep, qkv);
        String what = board + ", keep " + keepPercent + "%: measured " + m + "\npredicted " + p + "\n" + replay;
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
        assertTrue(Math.abs(predicted - measured) <= measured / 100 + 8, what + ": measured " + measured
                + ", predicted " + predicted + "\n" + context);
    }
}
