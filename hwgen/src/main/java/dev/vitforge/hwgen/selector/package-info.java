/**
 * The SPViT token-selector unit: integer-only streaming kernels, each a generator with its
 * reference beside it, that the selector's non-linear path runs on while its linear layers run
 * on the GEMM engine. {@link dev.vitforge.hwgen.selector.Arith} holds the arithmetic they share
 * (round-half-up requantisation with a run-time multiplier and shift, saturation, barrel shifts,
 * pipelined restoring division); the kernels are bit-exact with {@code models.quant.IntegerSelector}.
 *
 * <p>Every kernel is one pipeline that advances when its output register can take a beat
 * ({@code advance = !out_valid | out_ready}, the input's ready), so backpressure stalls it whole
 * and nothing is lost; run-time constants (requantisation multipliers and shifts, GELU and
 * LayerNorm constants) are ports the host sets before a run, so one build serves every model.
 */
package dev.vitforge.hwgen.selector;
