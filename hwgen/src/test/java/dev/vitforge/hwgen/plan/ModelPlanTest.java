package dev.vitforge.hwgen.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.sparse.BlockMask;

/** Metamorphic checks on the plan: sparser models take proportionally fewer cycles, smaller boards fewer lanes. */
class ModelPlanTest {
    private static final Architecture DEIT_T = new Architecture("deit", 192, 12, 3, 4.0, 16, 224, 3, 1000);
    private static final List<Selector> SELECTORS =
            List.of(new Selector(3, 0.7), new Selector(6, 0.49), new Selector(9, 0.343));

    private static ModelPlan plan(double density, Board board, List<Selector> selectors) {
        return ModelPlan.plan(DEIT_T, selectors, name -> {
            int d = 192;
            int[] kn = name.endsWith("qkv") ? new int[] {d, 3 * d} : name.endsWith("proj") ? new int[] {d, d}
                    : name.endsWith("fc1") ? new int[] {d, 4 * d} : new int[] {4 * d, d};
            return BlockMask.random(name.hashCode(), density, 16, kn[1], kn[0]);
        }, 16, board);
    }

    @Test
    void tokensFollowTheKeepRatios() {
        assertArrayEquals(new int[] {197, 197, 197, 139, 139, 139, 98, 98, 98, 69, 69, 69},
                ModelPlan.tokens(DEIT_T, SELECTORS));
    }

    @Test
    void sparserModelsPredictProportionallyFewerLinearCycles() {
        Board board = Board.named("zcu102");
        // Between full and half density DeiT-T's layers stay compute-bound (below about 30% its
        // narrow layers wait on the X tile load, one column per cycle, and stop scaling).
        long full = linearCycles(plan(1.0, board, List.of()));
        long half = linearCycles(plan(0.5, board, List.of()));
        double ratio = (double) half / full;
        assertTrue(Math.abs(ratio - 0.5) < 0.03, "half/full density cycles = " + ratio);
        assertTrue(plan(0.5, board, SELECTORS).predictedGemmCycles() < plan(0.5, board, List.of()).predictedGemmCycles());
    }

    private static long linearCycles(ModelPlan p) {
        return p.layers().stream().filter(l -> l.name().contains("qkv") || l.name().contains("proj") && !l.name().contains("patch")
                || l.name().contains("fc")).mapToLong(ModelPlan.LayerPlan::cycles).sum();
    }

    @Test
    void smallerBoardsGetFewerLanesAndEverySizeHasAReason() {
        Board zcu102 = Board.named("zcu102");
        Board tiny = new Board("tiny", "a board with 64 DSPs", "xc7z010", 100, 64, 60, 0, 17600, 35200, 1.0, "DDR3",
                "uio");
        ModelPlan big = plan(0.5, Board.named("u50"), SELECTORS);
        ModelPlan mid = plan(0.5, zcu102, SELECTORS);
        ModelPlan small = plan(0.5, tiny, SELECTORS);
        assertTrue(big.engine().lanes() >= mid.engine().lanes(), big.engine().lanes() + " vs " + mid.engine().lanes());
        assertTrue(mid.engine().lanes() > small.engine().lanes(), mid.engine().lanes() + " vs " + small.engine().lanes());
        assertEquals(1, small.engine().lanes());
        for (String size : List.of("block size", "row tile", "lanes", "max k", "max m", "max columns")) {
            assertTrue(mid.engine().reasons().containsKey(size), "no reason for " + size);
        }
        assertTrue(mid.fusedSelector(), mid.selectorReason());
        assertEquals(198, mid.engine().maxM(), "the fused selector's layers are its own: sized for the blocks' tokens");
        ModelPlan unit = ModelPlan.plan(DEIT_T, SELECTORS, name -> null, 16, zcu102, null, 16);
        assertFalse(unit.fusedSelector());
        assertEquals(196 * 3, unit.engine().maxM(), "on the unit, sized for a selector scoring every patch of every head");
    }

    @Test
    void keepScheduleMeetsTheTargetWithTheMostTokens() {
        Board board = Board.named("zcu102");
        java.util.function.Function<String, BlockMask> half = name -> null; // dense layers: the plan uses full masks
        KeepSchedule.Result r = KeepSchedule.search(DEIT_T, SELECTORS, half, 16, board, 6.0);
        assertTrue(r.chosen().latencyMs() <= 6.0);
        KeepSchedule.Candidate previous = null;
        ModelPlan sized = ModelPlan.plan(DEIT_T, SELECTORS, half, 16, board);
        for (KeepSchedule.Candidate c : r.candidates()) {
            if (c == r.chosen()) {
                assertTrue(previous == null || previous.latencyMs() > 6.0, "a larger r also met the target");
            }
            ModelPlan plan = c.plan();
            assertEquals(plan.predictedCycles(), c.cycles());
            assertEquals(sized.engine(), plan.engine(), "the engine is held");
            assertEquals(sized.selectorChoice(), plan.selectorChoice(), "the selector is held");
            if (previous != null) {
                // Fewer tokens never cost the engine more; the fused selector beside it may delay a smaller
                // qkv a little more (its package token waits for every decision), by a few hundred cycles.
                assertTrue(plan.predictedGemmCycles() <= previous.plan().predictedGemmCycles(), "at r = " + c.base());
                assertTrue(c.cycles() <= previous.cycles() + 500, "at r = " + c.base() + ": " + c.cycles() + " after "
                        + previous.cycles());
            }
            previous = c;
        }
        assertEquals(3, r.chosen().selectors().size());
        assertEquals(r.chosen().base() * r.chosen().base(), r.chosen().selectors().get(1).keepRatio(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> KeepSchedule.search(DEIT_T, SELECTORS, half, 16, board, 0.01));
    }

    @Test
    void unknownBoardsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Board.named("zcu999"));
        assertEquals("unknown board 'zcu999'; known boards: zcu102, zcu104, kv260, u50", e.getMessage());
    }
}
