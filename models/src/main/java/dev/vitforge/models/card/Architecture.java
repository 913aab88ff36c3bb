package dev.vitforge.models.card;

/**
 * A DeiT/ViT geometry as the model card's {@code architecture} states it (timm names).
 * Invariant: all sizes positive and {@code numHeads} divides {@code embedDim}.
 */
public record Architecture(String family, int embedDim, int depth, int numHeads, double mlpRatio, int patchSize,
                           int imageSize, int inChans, int numClasses) {

    public Architecture {
        if (embedDim <= 0 || depth <= 0 || numHeads <= 0 || mlpRatio <= 0 || patchSize <= 0 || imageSize <= 0
                || inChans <= 0 || numClasses <= 0) {
            throw new IllegalArgumentException("architecture sizes must be positive");
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("num_heads " + numHeads + " does not divide embed_dim " + embedDim);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("patch_size " + patchSize + " does not divide image_size " + imageSize);
        }
    }

    public int headDim() {
        return embedDim / numHeads;
    }

    public int hiddenDim() {
        return (int) Math.round(embedDim * mlpRatio);
    }

    public int patches() {
        return (imageSize / patchSize) * (imageSize / patchSize);
    }

    /** CLS plus the patches: 197 for a 224-pixel image in 16-pixel patches. */
    public int tokens() {
        return patches() + 1;
    }
}
