package dev.vitforge.models.card;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a card's block masks come from: the weights themselves ({@code "from-weights"}) or one
 * {@code .npy} per pruned layer. Sealed so a resolver cannot forget one of the two.
 */
public sealed interface MaskSource permits MaskSource.FromWeights, MaskSource.Files {

    String FROM_WEIGHTS = "from-weights";

    /** A block is pruned exactly when all its weights are zero. */
    record FromWeights() implements MaskSource {
    }

    /**
     * Layer name ({@code blocks.{i}.attn.qkv}, ...) to a {@code .npy} path relative to the card,
     * non-zero = kept. Layers not listed are dense. Insertion order is kept so cards round-trip as written.
     */
    record Files(Map<String, String> paths) implements MaskSource {
        public Files {
            for (Map.Entry<String, String> e : paths.entrySet()) {
                if (e.getValue() == null || e.getValue().isBlank()) {
                    throw new IllegalArgumentException("block_pruning.masks: the path for layer '" + e.getKey()
                            + "' is empty");
                }
            }
            paths = Collections.unmodifiableMap(new LinkedHashMap<>(paths));
        }
    }
}
