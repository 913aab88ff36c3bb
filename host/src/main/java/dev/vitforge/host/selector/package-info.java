/**
 * The token-selector unit as the host drives it: {@link dev.vitforge.host.selector.SelectorUnit}
 * runs the selector's non-linear kernels on their generated RTL (Verilator) or on the reference
 * with the kernels' cycle models, and counts the cycles per kernel; the selector's linear layers
 * go to the GEMM engine through {@link dev.vitforge.host.gemm.GemmExecutor}. This is what
 * {@code select} and {@code run} use.
 *
 * <p>{@link dev.vitforge.host.selector.FusedSelectorUnit} runs a selector step through the fused
 * selector's RTL chain instead (front, head gate, mlp.0's global half, tail, decision, pack), with
 * the selector's products on the chain's own weight-resident arrays; it is bit-exact with the same
 * reference, and the bench times it between the preceding and the following block (3.5%, 2.2% and 0.8%
 * of the following block for DeiT-T/S/B, against 50%, 30.5% and 14.1% here). It is not yet in {@code select} and
 * {@code run}: the plan has no cycle model or resource estimate of the chain yet.
 *
 * <p>Why the host-driven unit's linear layers share the GEMM engine: run after the block, a separate
 * array sized to finish them in 5% of the following block would need about as many multipliers as
 * the engine has (DeiT-T: in_proj alone is 5.6% of a 50%-pruned block's MACs) and would idle the
 * rest of the time. Run beside the blocks, as the fused chain does, a few hundred multipliers hide
 * them. Cost on the engine: its narrow layers (mlp.2 has 2 outputs, the head gate H) use one
 * block-column of one lane; see the README for the measured split.
 */
package dev.vitforge.host.selector;
