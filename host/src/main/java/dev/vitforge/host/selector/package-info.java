/**
 * The token-selector unit as the host drives it: {@link dev.vitforge.host.selector.SelectorUnit}
 * runs the selector's non-linear kernels on their generated RTL (Verilator) or on the reference
 * with the kernels' cycle models, and counts the cycles per kernel; the selector's linear layers
 * go to the GEMM engine through {@link dev.vitforge.host.gemm.GemmExecutor}.
 *
 * <p>Why the linear layers share the GEMM engine rather than an array of their own: the
 * selector's products are dense d x d, d/2 x d, ... layers over n*H rows; a separate array sized
 * to finish them in 5% of the following block would need about as many multipliers as the engine
 * has (DeiT-T: in_proj alone is 5.6% of a 50%-pruned block's MACs), and would sit idle for the
 * other 95% of the time, while the engine is idle during the selector anyway (the next block waits
 * for its tokens). Cost on the engine: its narrow layers (mlp.2 has 2 outputs, the head gate H)
 * use one block-column of one lane; see the README for the measured split.
 */
package dev.vitforge.host.selector;
