package dev.vitforge.models.prune;

import dev.vitforge.models.sparse.BlockMask;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The allocator's answer: one {@link LayerChoice} per layer (in the order given), the budget asked
 * for and the cost reached, both as fractions of the dense cost, and the multiplier λ the
 * binary search ended on (costs and distortions normalised by their dense totals).
 */
public record Allocation(double budgetFraction, double denseCost, double cost, double lambda, List<LayerChoice> layers) {

    public Allocation {
        layers = List.copyOf(layers);
    }

    /** Total cost over dense cost: at most {@link #budgetFraction}. */
    public double achievedFraction() {
        return denseCost == 0 ? 1 : cost / denseCost;
    }

    public double distortion() {
        return layers.stream().mapToDouble(LayerChoice::distortion).sum();
    }

    /** The chosen masks by layer name, in layer order. */
    public Map<String, BlockMask> masks() {
        Map<String, BlockMask> m = new LinkedHashMap<>();
        for (LayerChoice c : layers) {
            m.put(c.layer(), c.mask());
        }
        return m;
    }
}
