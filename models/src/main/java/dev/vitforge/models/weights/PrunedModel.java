package dev.vitforge.models.weights;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.ModelCard;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resolved card: its weights, checked against the architecture's timm shapes, and one block
 * mask per pruned layer (keyed {@code blocks.{i}.attn.qkv} ... in forward-pass order). Invariant
 * kept by {@link PrunedModels}: every weight outside a mask's kept blocks is zero.
 */
public record PrunedModel(ModelCard card, Weights weights, Map<String, BlockMask> masks) {

    public PrunedModel {
        masks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
    }

    public String name() {
        return card.name();
    }

    public Architecture architecture() {
        return card.architecture();
    }

    public List<Selector> selectors() {
        return card.selectors();
    }

    public int blockSize() {
        return card.blockPruning().blockSize();
    }

    public List<PrunedLayer> prunedLayers() {
        return card.prunedLayers();
    }

    /** The mask of a pruned layer, e.g. {@code blocks.0.mlp.fc1}. */
    public BlockMask mask(String layer) {
        BlockMask m = masks.get(layer);
        if (m == null) {
            throw new IllegalArgumentException("model '" + name() + "' has no pruned layer '" + layer
                    + "'; pruned layers are blocks.{i}.{attn.qkv, attn.proj, mlp.fc1, mlp.fc2}");
        }
        return m;
    }

    /** A weight by timm name; a missing one is an error naming the tensor and the weights' source. */
    public Float32Tensor weight(String name) {
        return weights.get(name);
    }

    /** Fraction of blocks kept over all pruned layers, weighted by block count. */
    public double density() {
        long kept = 0;
        long total = 0;
        for (BlockMask m : masks.values()) {
            kept += m.nonzeroBlocks();
            total += (long) m.rows() * m.cols();
        }
        return total == 0 ? 1 : (double) kept / total;
    }
}
