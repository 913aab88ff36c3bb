/**
 * Block sparsity of pruned linear layers and its bit-exact integer reference. This package's one
 * job is to say which B x B blocks of a weight matrix W [N x K] survive pruning
 * ({@link dev.vitforge.models.sparse.BlockMask}) and what the hardware must compute from them
 * ({@link dev.vitforge.models.sparse.BlockSparseGemm}); the generated engines are checked against
 * it bit for bit and their cycle models count work with it, so it favours obvious code over speed.
 */
package dev.vitforge.models.sparse;
