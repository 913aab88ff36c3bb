/**
 * A model's float weights and how they become a checked pruned model. This package's one job is
 * to produce, for a model card, the timm-named float tensors and block masks the rest of vitforge
 * trusts: it reads and writes safetensors ({@link dev.vitforge.models.weights.SafeTensors}),
 * generates deterministic synthetic weights ({@link dev.vitforge.models.weights.SyntheticWeights}),
 * knows the expected DeiT/selector shapes ({@link dev.vitforge.models.weights.DeitLayout}), and
 * resolves a card into a {@link dev.vitforge.models.weights.PrunedModel} whose weights fit the
 * architecture and agree with its masks. Every error is a one-line
 * {@link dev.vitforge.models.tensor.TensorFormatException} naming the file or source.
 */
package dev.vitforge.models.weights;
