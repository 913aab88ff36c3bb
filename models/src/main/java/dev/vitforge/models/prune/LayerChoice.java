package dev.vitforge.models.prune;

import dev.vitforge.models.sparse.BlockMask;

/** What the allocator chose for one layer: a level of its {@link LayerLevels}, its mask and what it costs. */
public record LayerChoice(String layer, int level, int keptBlocks, int totalBlocks, double distortion, double denseCost,
                          double cost, BlockMask mask) {

    public double density() {
        return totalBlocks == 0 ? 1 : (double) keptBlocks / totalBlocks;
    }
}
