package dev.vitforge.models.card;

import java.util.OptionalDouble;

/**
 * The card's {@code block_pruning}: B x B blocks, where the masks come from, and (synthetic
 * weights only, checked by {@link ModelCard}) the fraction of blocks kept per pruned layer.
 */
public record BlockPruning(int blockSize, MaskSource masks, OptionalDouble density) {

    public BlockPruning {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block_pruning.block_size must be positive, got " + blockSize);
        }
        if (masks == null) {
            throw new IllegalArgumentException("block_pruning.masks is required");
        }
        if (density == null) {
            density = OptionalDouble.empty();
        }
        if (density.isPresent() && !(density.getAsDouble() >= 0 && density.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("block_pruning.density must be in [0, 1], got " + density.getAsDouble());
        }
    }

    /** Masks read from the weights, no density: what a card for trained weights usually says. */
    public static BlockPruning fromWeights(int blockSize) {
        return new BlockPruning(blockSize, new MaskSource.FromWeights(), OptionalDouble.empty());
    }

    /** The density to generate synthetic weights at: 1 (dense) when the card gives none. */
    public double densityOrDense() {
        return density.orElse(1.0);
    }
}
