package dev.vitforge.models.card;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A model card (SEMANTICS.md): a pruned ViT's name, geometry, weights, block pruning and token
 * selectors ({@code selectors} is empty when the card has no {@code token_pruning}).
 *
 * <p>The constructor enforces every rule that relates fields to each other, so a card built in
 * code is as valid as one read by {@link ModelCards}; the reader only adds the file name to the message.
 */
public record ModelCard(String name, Architecture architecture, WeightsSource weights, BlockPruning blockPruning,
                        List<Selector> selectors) {

    public ModelCard {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (architecture == null || weights == null || blockPruning == null) {
            throw new IllegalArgumentException("architecture, weights and block_pruning are required");
        }
        selectors = selectors == null ? List.of() : List.copyOf(selectors);
        checkSelectors(architecture, selectors);
        if (blockPruning.density().isPresent()) {
            if (!(weights instanceof WeightsSource.Synthetic)) {
                throw new IllegalArgumentException("block_pruning.density is only allowed with synthetic:SEED weights;"
                        + " real weights carry their own sparsity");
            }
            if (blockPruning.masks() instanceof MaskSource.Files) {
                throw new IllegalArgumentException("block_pruning.density cannot be combined with a masks map;"
                        + " the .npy masks already say which blocks are kept");
            }
        }
        if (blockPruning.masks() instanceof MaskSource.Files files) {
            Set<String> known = PrunedLayer.all(architecture).stream().map(PrunedLayer::name)
                    .collect(Collectors.toSet());
            for (String layer : files.paths().keySet()) {
                if (!known.contains(layer)) {
                    throw new IllegalArgumentException("block_pruning.masks names unknown layer '" + layer
                            + "'; expected blocks.{0.." + (architecture.depth() - 1) + "}.{attn.qkv, attn.proj,"
                            + " mlp.fc1, mlp.fc2}");
                }
            }
        }
    }

    private static void checkSelectors(Architecture a, List<Selector> selectors) {
        int previous = -1;
        for (int j = 0; j < selectors.size(); j++) {
            Selector s = selectors.get(j);
            if (s.beforeBlock() >= a.depth()) {
                throw new IllegalArgumentException("token_pruning.selectors[" + j + "].before_block " + s.beforeBlock()
                        + " must be below the depth " + a.depth());
            }
            if (s.beforeBlock() <= previous) {
                throw new IllegalArgumentException("token_pruning.selectors[" + j + "].before_block " + s.beforeBlock()
                        + " must be greater than the previous selector's " + previous);
            }
            previous = s.beforeBlock();
        }
        // The selector splits each head's d features in halves and its MLP narrows to d/4 (SEMANTICS.md).
        if (!selectors.isEmpty() && a.headDim() % 4 != 0) {
            throw new IllegalArgumentException("token selectors need a head dim (embed_dim / num_heads) divisible by 4,"
                    + " got " + a.headDim());
        }
    }

    /** The selector placed before block {@code block}, or null. */
    public Selector selectorBefore(int block) {
        for (Selector s : selectors) {
            if (s.beforeBlock() == block) {
                return s;
            }
        }
        return null;
    }

    /** Every block-pruned layer of this card's architecture. */
    public List<PrunedLayer> prunedLayers() {
        return PrunedLayer.all(architecture);
    }
}
