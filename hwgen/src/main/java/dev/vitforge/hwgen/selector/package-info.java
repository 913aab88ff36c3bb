/**
 * The SPViT token selector's hardware: integer-only streaming kernels, each a generator with its
 * reference beside it, and two ways to put them together: the selector unit (the kernels on their
 * own, driven one after another, the linear layers on the GEMM engine) and the fused selector
 * ({@link dev.vitforge.hwgen.selector.FusedSelector}: every layer on its own arrays, a chain of
 * stages beside the engine). The plan chooses between them by predicted cycles and fit. {@link dev.vitforge.hwgen.selector.Arith} holds the arithmetic they share
 * (round-half-up requantisation with a run-time multiplier and shift, saturation, barrel shifts,
 * pipelined restoring division); the kernels are bit-exact with {@code models.quant.IntegerSelector}.
 *
 * <p>Each kernel's datapath is a pipeline that advances when its output register can take a beat
 * ({@code advance = !out_valid | out_ready}), so backpressure stalls it whole and nothing is lost;
 * inputs are also held off while a table loads, the LayerNorm's row ring is full, or (in the pack
 * unit, whose rows and final division are separate phases) while the other phase runs. Run-time
 * constants (requantisation multipliers and shifts, GELU and LayerNorm constants, gamma and beta)
 * are ports and tables the host loads before a run, so one build serves every model of a size.
 * {@link dev.vitforge.hwgen.selector.SelectorCycles} sums the kernels' cycle models per selector
 * step of the unit; {@link dev.vitforge.hwgen.selector.FusedSelector#stageCycles} gives the fused
 * selector's per stage.
 *
 * <p>The fused selector (bit-exact with the same reference): {@link dev.vitforge.hwgen.selector.MatVecUnit} keeps one small
 * dense layer's weights on chip, so the selector's products need not wait for the GEMM engine;
 * {@link dev.vitforge.hwgen.selector.SelectorFront} chains the LayerNorm, in_proj, the GELU and
 * mlp.0's local half per head row and sums the global half's token means as the rows pass, so it
 * runs while the engine still computes the preceding block's fc2;
 * {@link dev.vitforge.hwgen.selector.SelectorGate} turns the front's row means into the head gate's
 * logits alongside; {@link dev.vitforge.hwgen.selector.SelectorBack} chains the per-head global row,
 * GELU, mlp.1, GELU and mlp.2 into z_keep - z_drop after the token means are known, feeding the
 * decision and pack units while the following block already computes on the first kept tokens.
 * The tops instantiate the stand-alone kernels (package-private {@code Wiring} connects them).
 */
package dev.vitforge.hwgen.selector;
