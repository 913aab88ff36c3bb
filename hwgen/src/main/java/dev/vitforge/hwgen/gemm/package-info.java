/**
 * The block-sparse GEMM engine (LPViT): its configuration, its RTL generator, its stream
 * packing formats and its analytic cycle model. The engine computes
 * {@code Y = X (W * mask)^T} for int8 X and W with int32 accumulation. It is weight-streaming
 * and output-stationary: a row tile of {@code rowTile} tokens of X sits in a double-buffered
 * on-chip buffer, and each lane's array of {@code rowTile x B} multipliers consumes one column
 * of a non-zero weight block per cycle straight from its weight stream, so pruned blocks are
 * never sent and never computed, and weight loading is the computation's own feed.
 */
package dev.vitforge.hwgen.gemm;
