/**
 * The hardware plan: from the layers an engine must run (their shapes and block masks) and a
 * board profile, every size of the hardware, each beside the statistic that chose it, and the
 * cycles the analytic model predicts. Board profiles are the JSON files of {@code constraints/}.
 *
 * <p>The token selector is part of the plan: {@link dev.vitforge.hwgen.plan.ModelPlan} weighs the
 * fused selector (its resources reserved, the engine sized for the blocks alone, its cost the delay
 * {@link dev.vitforge.hwgen.plan.FusedSelectorTiming} predicts for each following qkv) against the
 * selector unit at each lane count (its linear layers on the engine, its kernels' cycles between the
 * blocks) and keeps the one that fits and predicts the fewest cycles. The overlap model is a rate
 * model of the chain, row by row; FusedChainRunTest holds it equal, cycle for cycle, to the stages' RTL
 * timed beside the engine's model (nine cases: two head counts, four boards' engines, 4 lanes and 2, a
 * tenth to nine tenths kept, the first selector after fc2, a later one and one before block 0), and the
 * bench at DeiT-T/S/B sizes prints both.
 */
package dev.vitforge.hwgen.plan;
