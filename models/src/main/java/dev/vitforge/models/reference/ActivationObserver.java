package dev.vitforge.models.reference;

/**
 * Sees the float activations at named points of a forward pass, so calibration can record their
 * ranges without the reference knowing anything about quantisation.
 *
 * <p>Points (T rows of tokens, i a block, j a selector): {@code patch_embed.proj} (flattened
 * patches), {@code blocks.i.attn.qkv}, {@code blocks.i.attn.q}, {@code .k}, {@code .v}
 * (q before the 1/sqrt(d) scaling), {@code blocks.i.attn.proj}, {@code blocks.i.mlp.fc1},
 * {@code blocks.i.mlp.gelu} (fc1's output), {@code blocks.i.mlp.fc2}, {@code head} (the final
 * LayerNorm of CLS) and {@code residual} (the token stream after every addition).
 */
@FunctionalInterface
public interface ActivationObserver {

    ActivationObserver NONE = (point, values) -> { };

    /** {@code values} is rows x features; it must not be modified or kept. */
    void observe(String point, double[][] values);
}
