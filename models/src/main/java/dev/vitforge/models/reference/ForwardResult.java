package dev.vitforge.models.reference;

/**
 * The result of a forward pass: class logits and, per selector in card order, how many patch
 * tokens it kept (the count follows the decisions, so it varies per image).
 */
public record ForwardResult(float[] logits, int[] keptCounts) {
    public ForwardResult {
        logits = logits.clone();
        keptCounts = keptCounts.clone();
    }

    @Override
    public float[] logits() {
        return logits.clone();
    }

    @Override
    public int[] keptCounts() {
        return keptCounts.clone();
    }
}
