/**
 * The token selector as the host runs it, on whichever hardware the plan chose:
 * {@link dev.vitforge.host.selector.FusedSelectorUnit} runs each selector step through the fused
 * selector's RTL chain (front, head gate, mlp.0's global half, tail, decision, pack) with the
 * selector's products on the chain's own weight-resident arrays, measuring each stage's cycles; on the
 * cpu device the integer reference computes the step and the stages' models the cycles (equal, as
 * FusedSelectorUnitTest holds). {@link dev.vitforge.host.selector.SelectorUnit} runs the selector's
 * non-linear kernels on their RTL and sends its linear layers to the GEMM engine through
 * {@link dev.vitforge.host.gemm.GemmExecutor}. Both are {@code models.quant.SelectorDevice}s, which
 * {@code run} and {@code select} hand the steps to.
 *
 * <p>Which one: the fused selector runs beside the encoder blocks, so it costs only the delay it causes
 * the following block's qkv (3.5%, 2.2% and 0.8% of the following block for DeiT-T/S/B in the bench,
 * against 50%, 30.5% and 14.1% for the unit, whose kernels and linear layers run between the blocks),
 * but at 4 lanes it takes about 1,100 DSPs and 100k LUTs (about 600 DSPs at 2 lanes). The plan weighs
 * every build: where the fused selector fits beside an engine that is still large enough (ZCU102, U50)
 * it wins; on the ZCU104 and the KV260 even the 2-lane build costs the engine a lane, and the unit
 * (with the engine running the selector's linear layers) wins.
 * A separate array for the unit's linear layers would not help: run between the blocks, finishing
 * them in 5% of the following block would need about as many multipliers as the engine has (DeiT-T:
 * in_proj alone is 5.6% of a 50%-pruned block's MACs).
 */
package dev.vitforge.host.selector;
