package dev.vitforge.models.card;

/** An SPViT token selector placed before block {@code beforeBlock} (0-based), trained toward {@code keepRatio}. */
public record Selector(int beforeBlock, double keepRatio) {
    public Selector {
        if (beforeBlock < 0) {
            throw new IllegalArgumentException("before_block must be >= 0, got " + beforeBlock);
        }
        if (!(keepRatio > 0 && keepRatio <= 1)) {
            throw new IllegalArgumentException("keep_ratio must be in (0, 1], got " + keepRatio);
        }
    }
}
