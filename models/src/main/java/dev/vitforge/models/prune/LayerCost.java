package dev.vitforge.models.prune;

import dev.vitforge.models.sparse.BlockMask;

/**
 * The cost of running a pruned layer with a given mask; the allocator only adds these up and
 * compares them with the dense total, so any unit works (MACs, cycles, joules). Implementations
 * must be deterministic and non-negative. The mask is passed because a hardware cost depends on
 * where the kept blocks sit (how evenly they spread over the engine's lanes), not just how many.
 */
@FunctionalInterface
public interface LayerCost {

    double cost(String layer, int keptBlocks, BlockMask keptMask);

    /** ViT-B/16's 197 tokens (CLS and 14 x 14 patches): the default for FLOPs. */
    int DEFAULT_TOKENS = 197;

    /**
     * Linear-layer FLOPs as multiply-accumulates: kept blocks x B^2 x tokens. Partial edge blocks
     * count as whole ones, as the engine streams them whole.
     */
    static LayerCost flops(int blockSize, int tokens) {
        if (blockSize < 1 || tokens < 1) {
            throw new IllegalArgumentException("block size and tokens must be positive, got " + blockSize + ", " + tokens);
        }
        double perBlock = (double) blockSize * blockSize * tokens;
        return (layer, kept, mask) -> kept * perBlock;
    }
}
