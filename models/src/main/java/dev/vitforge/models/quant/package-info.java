/**
 * The integer reference of a pruned ViT: this package's one job is to define, bit for bit, what
 * the int8 hardware computes — int8 weights and activations with int32 accumulation in every
 * linear layer (through the {@link dev.vitforge.models.quant.LinearExecutor} seam), fixed-point
 * requantisation, and I-BERT-style integer softmax, GELU, LayerNorm and sigmoid in
 * {@link dev.vitforge.models.quant.IntOps}. Floats appear only when scales are chosen (from
 * calibration), when pixels are quantised on the way in and when logits are dequantised out.
 */
package dev.vitforge.models.quant;
