/**
 * LPViT-style post-training block pruning (REFERENCES.md): this package's one job is to choose,
 * for a dense model, which B x B blocks of every pruned layer to keep so that a cost budget is
 * met with the least distortion.
 *
 * <ul>
 *   <li>{@link dev.vitforge.models.prune.BlockScores}: a block's saliency, mean |W ⊙ g| over its
 *       real elements (mean |W| without gradients); a layer keeps its top-k blocks.</li>
 *   <li>{@link dev.vitforge.models.prune.LayerLevels}: each layer's candidate kept-block counts,
 *       101 levels from all blocks down to the 5% floor, with the distortion (sum of squared
 *       scores dropped) and the cost of each.</li>
 *   <li>{@link dev.vitforge.models.prune.SparsityAllocator}: equal distortion slopes. For a
 *       multiplier λ every layer picks the level minimising distortion + λ·cost on its own; λ is
 *       binary-searched until the total cost meets the budget, then the budget left over by the
 *       discrete levels is filled greedily (best distortion saved per unit of cost first).</li>
 *   <li>{@link dev.vitforge.models.prune.LayerCost}: what "cost" means is the caller's choice —
 *       FLOPs here, predicted hardware cycles in the CLI (which knows hwgen; this package must not).</li>
 *   <li>{@link dev.vitforge.models.prune.BlockPruner}: the whole pass on a {@code Weights} map.</li>
 * </ul>
 */
package dev.vitforge.models.prune;
