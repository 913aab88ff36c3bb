package dev.vitforge.models.prune;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import dev.vitforge.models.weights.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole post-training pass on a model's weights: score every pruned layer
 * ({@link PrunedLayer#all}), sweep its levels, allocate the budget, and zero the dropped blocks.
 * Tensors other than the pruned layers' weights pass through untouched.
 */
public final class BlockPruner {

    private BlockPruner() {
    }

    /** The allocation and the weights with every dropped block zeroed. */
    public record Result(Allocation allocation, Weights weights) {
    }

    /**
     * Prunes {@code weights} (timm names) of architecture {@code a} in B x B blocks to
     * {@code budgetFraction} of the dense {@code cost}; {@code gradients} (same names and shapes,
     * may be null) switches the saliency from mean |W| to mean |W ⊙ g|.
     */
    public static Result prune(Architecture a, int blockSize, Weights weights, Weights gradients, LayerCost cost,
                               double budgetFraction) {
        List<LayerLevels> levels = new ArrayList<>();
        for (BlockScores s : score(a, blockSize, weights, gradients)) {
            levels.add(LayerLevels.sweep(s, cost));
        }
        Allocation allocation = SparsityAllocator.allocate(levels, budgetFraction);
        return new Result(allocation, apply(a, weights, allocation.masks()));
    }

    /** The block scores of every pruned layer, in forward-pass order. */
    public static List<BlockScores> score(Architecture a, int blockSize, Weights weights, Weights gradients) {
        List<BlockScores> scores = new ArrayList<>();
        for (PrunedLayer layer : PrunedLayer.all(a)) {
            Float32Tensor w = weight(weights, layer, "weights");
            Float32Tensor g = gradients == null ? null : weight(gradients, layer, "gradients");
            scores.add(BlockScores.of(layer.name(), w, g, blockSize));
        }
        return scores;
    }

    /** {@code weights} with every pruned layer's weight zeroed outside its mask (layers without a mask stay). */
    public static Weights apply(Architecture a, Weights weights, Map<String, BlockMask> masks) {
        Map<String, Float32Tensor> replaced = new LinkedHashMap<>();
        for (PrunedLayer layer : PrunedLayer.all(a)) {
            BlockMask mask = masks.get(layer.name());
            if (mask == null) {
                continue;
            }
            int n = layer.outFeatures();
            int k = layer.inFeatures();
            float[] data = weight(weights, layer, "weights").data();
            mask.zeroPruned(data, n, k);
            replaced.put(layer.weightName(), new Float32Tensor(new int[] {n, k}, data));
        }
        return weights.with(replaced);
    }

    private static Float32Tensor weight(Weights weights, PrunedLayer layer, String what) {
        String name = layer.weightName();
        if (!weights.contains(name)) {
            throw new TensorFormatException(weights.source(), "missing tensor '" + name + "' of shape ["
                    + layer.outFeatures() + ", " + layer.inFeatures() + "] needed to prune (" + what
                    + " use the timm names)");
        }
        Float32Tensor t = weights.get(name);
        int[] want = {layer.outFeatures(), layer.inFeatures()};
        if (!Arrays.equals(t.shape(), want)) {
            throw new TensorFormatException(weights.source(), "tensor '" + name + "' has shape " + t.shapeString()
                    + " but the architecture needs " + Tensor.formatShape(want));
        }
        return t;
    }
}
