package dev.vitforge.hwgen.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.sparse.BlockMask;

/**
 * Computation-aware keep ratios (SPViT): with the selectors where the card places them, the
 * cumulative keep ratio of selector j is r^(j+1) (SPViT's 0.7 / 0.49 / 0.343 is r = 0.7). Every
 * r from 1.00 down to 0.05 in steps of 0.01 is costed with the plan's cycle model on the engine
 * sized for the worst case, and the largest r (the most tokens kept, so the least accuracy lost)
 * whose predicted latency meets the target is chosen.
 */
public final class KeepSchedule {
    private KeepSchedule() {}

    /** One r: the keep ratios, and the plan on the engine and selector held fixed. */
    public record Candidate(double base, List<Selector> selectors, long cycles, double latencyMs, ModelPlan plan) {}

    public record Result(double targetMs, Candidate chosen, List<Candidate> candidates) {}

    public static Result search(Architecture a, List<Selector> placement, Function<String, BlockMask> masks,
                                int blockSize, Board board, double targetMs) {
        if (placement.isEmpty()) {
            throw new IllegalArgumentException("the model has no token selectors whose keep ratios could be chosen");
        }
        if (!(targetMs > 0)) {
            throw new IllegalArgumentException("the latency target must be positive, got " + targetMs);
        }
        ModelPlan sized = ModelPlan.plan(a, placement, masks, blockSize, board);
        GemmConfig engine = sized.engine();
        List<Candidate> candidates = new ArrayList<>();
        Candidate chosen = null;
        for (int step = 100; step >= 5; step--) {
            double r = step / 100.0;
            List<Selector> selectors = new ArrayList<>();
            for (int j = 0; j < placement.size(); j++) {
                selectors.add(new Selector(placement.get(j).beforeBlock(), Math.pow(r, j + 1)));
            }
            ModelPlan plan = ModelPlan.plan(a, selectors, masks, blockSize, board, engine, sized.selectorChoice());
            Candidate c = new Candidate(r, selectors, plan.predictedCycles(), plan.latencyMs(), plan);
            candidates.add(c);
            if (chosen == null && c.latencyMs() <= targetMs) {
                chosen = c;
            }
        }
        if (chosen == null) {
            Candidate fastest = candidates.get(candidates.size() - 1);
            throw new IllegalArgumentException(String.format("no keep schedule meets %.3f ms: even r = %.2f predicts %.3f ms"
                    + " (the layers before the first selector and the head alone take that long)", targetMs,
                    fastest.base(), fastest.latencyMs()));
        }
        return new Result(targetMs, chosen, candidates);
    }
}
