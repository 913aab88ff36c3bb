package dev.vitforge.hwgen.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;

/**
 * The fused selector's shapes, stage cycles, resource estimate and overlap model's shape
 * (FusedChainRunTest in host holds the overlap model equal to the RTL).
 */
class FusedSelectorTimingTest {
    private static final Architecture DEIT_T = new Architecture("deit", 192, 12, 3, 4.0, 16, 224, 3, 1000);
    private static final FusedSelector.Shapes S = FusedSelector.Shapes.of(192, 3);

    @Test
    void shapesNeedAHeadWidthOfEights() {
        assertTrue(FusedSelector.Shapes.exist(192, 3));
        assertFalse(FusedSelector.Shapes.exist(100, 2), "d = 50");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedSelector.Shapes.of(100, 2));
        assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
        // d = 512: at 4 lanes the front's GELU table would still be loading when in_proj's first result
        // reaches it; at 2 lanes there is time.
        assertFalse(FusedSelector.Shapes.exist(512, 1, 4));
        assertTrue(FusedSelector.Shapes.exist(512, 1, 2));
        assertTrue(FusedSelector.Shapes.exist(512, 1));
        FusedSelector.Shapes s = FusedSelector.Shapes.of(48, 6); // d = 8: a two-lane tail
        assertEquals(2, s.back().lanes());
        assertEquals(16, s.packLanes());
    }

    @Test
    void withNoPatchRowsOnlyThePackRuns() {
        FusedSelector.Shapes s = FusedSelector.Shapes.of(192, 3);
        Map<String, Long> c = FusedSelector.stageCycles(s, 0);
        assertEquals(FusedSelector.STAGES, List.copyOf(c.keySet()));
        assertEquals(PackUnit.cycles(192, 0, 16), FusedSelector.cycles(s, 0));
        assertTrue(FusedSelector.cycles(s, 10) < FusedSelector.cycles(s, 11));
    }

    @Test
    void resourcesReproduceTheDeitBSynthesis() {
        // Yosys synth_xilinx of the DeiT-B build (FusedSelectorBench): at 4 lanes 1,114 DSP, 102,312 LUT,
        // 70,330 FF, 2 BRAM; at 2 lanes 614, 84,558, 64,734, 1.
        ResourceEstimate e = ResourceEstimate.fusedSelector(FusedSelector.Shapes.of(768, 12));
        assertEquals(1114, e.dsp());
        assertEquals(102_312, e.lut(), 200);
        assertEquals(70_330, e.ff(), 200);
        assertEquals(2, e.bram36());
        ResourceEstimate two = ResourceEstimate.fusedSelector(FusedSelector.Shapes.of(768, 12, 2));
        assertEquals(614, two.dsp());
        assertEquals(84_558, two.lut(), 200);
        assertEquals(64_734, two.ff(), 200);
        assertEquals(1, two.bram36());
        assertTrue(e.fits(Board.named("kv260")), "alone, it fits the smallest board");
        assertFalse(e.plus(new ResourceEstimate(256, 8, 20_000, 20_000)).fits(Board.named("kv260")),
                "beside a 256-MAC engine it does not: the KV260's plan takes the selector unit");
    }

    @Test
    void theDelayGrowsWhenTheFirstKeptTokensComeLate() {
        ModelPlan plan = ModelPlan.plan(DEIT_T, List.of(new Selector(3, 0.5)), n -> null, 16, Board.named("zcu102"));
        assertTrue(plan.fusedSelector(), plan.selectorReason());
        GemmConfig engine = plan.engine();
        int n = 196;
        boolean[] early = new boolean[n];
        boolean[] late = new boolean[n];
        for (int t = 0; t < 98; t++) {
            early[t] = true;
            late[n - 1 - t] = true;
        }
        FusedSelectorTiming.Timing a = FusedSelectorTiming.predictBefore(S, DEIT_T, x -> null, 16, engine, 3, early, false);
        FusedSelectorTiming.Timing b = FusedSelectorTiming.predictBefore(S, DEIT_T, x -> null, 16, engine, 3, late, false);
        assertTrue(a.exposed() > 0 && a.exposed() < b.exposed(), a.exposed() + " vs " + b.exposed());
        assertTrue(a.precedingEnd() < a.frontEnd() && a.frontEnd() < a.globalEnd() && a.globalEnd() < a.tailEnd()
                && a.tailEnd() < a.packEnd(), a.toString());
        assertEquals(engine.tiles(98 + 2), a.qkvReady().length);
        // Nothing kept: the qkv has CLS and the package token, which waits for every decision.
        FusedSelectorTiming.Timing none = FusedSelectorTiming.predictBefore(S, DEIT_T, x -> null, 16, engine, 3,
                new boolean[n], false);
        assertEquals(1, none.qkvReady().length);
        assertEquals(none.packEnd() - none.precedingEnd(), none.qkvReady()[0]);
        // Before block 0 it overlaps the patch embedding (196 rows, no CLS).
        FusedSelectorTiming.Timing first = FusedSelectorTiming.predictBefore(S, DEIT_T, x -> null, 16, engine, 0, early,
                false);
        assertTrue(first.exposed() > 0);
        assertThrows(IllegalArgumentException.class, () -> FusedSelectorTiming.spread(10, 11));
        boolean[] spread = FusedSelectorTiming.spread(196, 139);
        int kept = 0;
        for (boolean k : spread) {
            kept += k ? 1 : 0;
        }
        assertEquals(139, kept);
    }
}
