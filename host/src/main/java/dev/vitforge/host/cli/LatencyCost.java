package dev.vitforge.host.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.prune.LayerCost;
import dev.vitforge.models.sparse.BlockMask;

/**
 * The hardware-aware pruning cost: a pruned layer's predicted cycles on the GEMM engine that
 * {@link ModelPlan} sizes for the dense model on the board (pruning must not resize the engine
 * it is optimising for), with the plan's token count for the layer's block (197 for DeiT-224
 * without selectors). Same formula as the plan, so a dense mask costs exactly the plan's cycles.
 *
 * <p>{@code fixedCycles} are what pruning cannot touch: the products it does not prune (patch
 * embedding, attention q@k and a@v, head) and what the selectors add; {@code densePrunedCycles} the
 * pruned layers when dense. Their sum is the dense model's {@code predicted_cycles}.
 */
record LatencyCost(Board board, GemmConfig engine, Map<String, int[]> mk, long densePrunedCycles, long fixedCycles)
        implements LayerCost {

    static LatencyCost plan(Architecture a, List<Selector> selectors, int blockSize, Board board) {
        ModelPlan dense = ModelPlan.plan(a, selectors, name -> null, blockSize, board);
        int[] tokens = dense.tokensPerBlock();
        Map<String, int[]> mk = new HashMap<>();
        for (PrunedLayer l : PrunedLayer.all(a)) {
            int block = Integer.parseInt(l.name().split("\\.")[1]);
            mk.put(l.name(), new int[] {tokens[block], l.inFeatures()});
        }
        Set<String> pruned = new HashSet<>(mk.keySet());
        long prunedCycles = 0;
        for (ModelPlan.LayerPlan p : dense.layers()) {
            if (pruned.contains(p.name())) {
                prunedCycles += p.cycles() * p.count();
            }
        }
        return new LatencyCost(board, dense.engine(), Map.copyOf(mk), prunedCycles,
                dense.predictedGemmCycles() - prunedCycles + dense.predictedSelectorCycles());
    }

    @Override
    public double cost(String layer, int keptBlocks, BlockMask keptMask) {
        int[] sizes = mk.get(layer);
        if (sizes == null) {
            throw new IllegalArgumentException("no pruned layer '" + layer + "' in the plan");
        }
        int[] beats = GemmCycleModel.beatsPerColumn(keptMask, sizes[1]);
        return GemmCycleModel.cycles(engine, GemmSchedule.balance(beats, engine.lanes()), beats, sizes[0], sizes[1]);
    }

    /** Cycles at the board's clock, in milliseconds. */
    double ms(double cycles) {
        return cycles / (board.clockMhz() * 1e3);
    }

    /** The dense model's predicted GEMM latency, every product included. */
    double denseMs() {
        return ms(densePrunedCycles + fixedCycles);
    }

    /**
     * The fraction of the pruned layers' dense cycles that leaves the whole model at {@code ms};
     * refuses a target the dense model already meets or that the fixed products alone exceed.
     */
    double fractionFor(double ms, String spelling) {
        double target = ms * board.clockMhz() * 1e3;
        double fraction = (target - fixedCycles) / densePrunedCycles;
        if (fraction > 1) {
            throw new IllegalArgumentException(String.format("--budget %s: the dense model is already predicted at"
                    + " %.4f ms on %s; nothing to prune", spelling, denseMs(), board.name()));
        }
        if (fraction <= 0) {
            throw new IllegalArgumentException(String.format("--budget %s: the products pruning cannot shrink (patch"
                    + " embedding, attention, head) alone take %.4f ms on %s", spelling, ms(fixedCycles), board.name()));
        }
        return fraction;
    }
}
