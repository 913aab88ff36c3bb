package dev.vitforge.models.prune;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-layer sparsity by equal distortion slopes (LPViT). For a multiplier λ each layer picks, on
 * its own, the level minimising distortion + λ·cost; a larger λ buys cost with distortion. λ is
 * binary-searched for the smallest value whose total cost meets the budget, which puts every
 * layer where its distortion-per-cost slope is λ.
 *
 * <p>The Lagrangian only reaches points on each layer's lower convex hull, and several layers
 * may switch at the same λ, so its answer can undershoot the budget by more than one level. The
 * budget left is then filled greedily: repeatedly move the layer whose upgrade to a denser level
 * saves the most distortion per unit of extra cost and still fits. The result never exceeds the
 * budget and normally lands within one level's cost step of it.
 */
public final class SparsityAllocator {

    private static final int BISECTIONS = 200;

    private SparsityAllocator() {
    }

    /**
     * Chooses a level per layer so that the total cost is at most {@code budgetFraction} of the
     * dense cost. Throws {@link IllegalArgumentException} when the fraction is outside (0, 1] or
     * even the cheapest level of every layer costs more than the budget.
     */
    public static Allocation allocate(List<LayerLevels> layers, double budgetFraction) {
        if (!(budgetFraction > 0 && budgetFraction <= 1)) {
            throw new IllegalArgumentException("the budget must be a fraction in (0, 1] of the dense cost, got "
                    + budgetFraction);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("nothing to prune: no layers");
        }
        double dense = 0;
        double distortionScale = 0;
        double cheapest = 0;
        for (LayerLevels l : layers) {
            dense += l.denseCost();
            distortionScale += l.distortion(l.levels() - 1);
            cheapest += l.cost(l.cheapest());
        }
        if (!(dense > 0)) {
            throw new IllegalArgumentException("the dense model costs " + dense + "; a budget fraction needs a positive cost");
        }
        double budget = budgetFraction * dense;
        double slack = 1e-12 * dense; // sums in another order must not turn an exact fit into a miss
        if (cheapest > budget + slack) {
            throw new IllegalArgumentException(String.format("a budget of %.4f of the dense cost cannot be met: keeping"
                    + " the cheapest level of every layer (at least %.0f%% of its blocks) still costs %.4f of it",
                    budgetFraction, 100 * LayerLevels.FLOOR, cheapest / dense));
        }
        // Normalised, so that λ = 1 trades the whole model's distortion against its whole dense cost.
        double dScale = distortionScale > 0 ? distortionScale : 1;

        int[] choice = choose(layers, 0, dScale, dense);
        double lambda = 0;
        if (total(layers, choice) > budget + slack) {
            double lo = 0;
            double hi = 1;
            int[] atHi = choose(layers, hi, dScale, dense);
            for (int i = 0; i < 2000 && total(layers, atHi) > budget + slack; i++) {
                lo = hi;
                hi *= 2;
                atHi = choose(layers, hi, dScale, dense);
            }
            if (total(layers, atHi) > budget + slack) {
                atHi = cheapestLevels(layers); // cost gaps too small for any finite λ: take the sure fit
            } else {
                for (int i = 0; i < BISECTIONS; i++) {
                    double mid = (lo + hi) / 2;
                    if (mid <= lo || mid >= hi) {
                        break;
                    }
                    int[] atMid = choose(layers, mid, dScale, dense);
                    if (total(layers, atMid) > budget + slack) {
                        lo = mid;
                    } else {
                        hi = mid;
                        atHi = atMid;
                    }
                }
            }
            lambda = hi;
            choice = fill(layers, atHi, budget + slack);
        }

        List<LayerChoice> chosen = new ArrayList<>(layers.size());
        double cost = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerLevels l = layers.get(i);
            int level = choice[i];
            cost += l.cost(level);
            chosen.add(new LayerChoice(l.layer(), level, l.kept(level), l.scores().blocks(), l.distortion(level),
                    l.denseCost(), l.cost(level), l.mask(level)));
        }
        return new Allocation(budgetFraction, dense, cost, lambda, chosen);
    }

    /** Each layer's level minimising distortion/dScale + λ·cost/cScale; ties go to the denser level. */
    static int[] choose(List<LayerLevels> layers, double lambda, double dScale, double cScale) {
        int[] choice = new int[layers.size()];
        for (int i = 0; i < choice.length; i++) {
            LayerLevels l = layers.get(i);
            double best = Double.POSITIVE_INFINITY;
            for (int level = 0; level < l.levels(); level++) {
                double objective = l.distortion(level) / dScale + lambda * l.cost(level) / cScale;
                if (objective < best) {
                    best = objective;
                    choice[i] = level;
                }
            }
        }
        return choice;
    }

    private static int[] cheapestLevels(List<LayerLevels> layers) {
        int[] choice = new int[layers.size()];
        for (int i = 0; i < choice.length; i++) {
            choice[i] = layers.get(i).cheapest();
        }
        return choice;
    }

    static double total(List<LayerLevels> layers, int[] choice) {
        double sum = 0;
        for (int i = 0; i < choice.length; i++) {
            sum += layers.get(i).cost(choice[i]);
        }
        return sum;
    }

    /**
     * Spends what the budget has left on denser levels, best distortion saved per unit of cost
     * first (moves that save distortion without costing more come before all others).
     */
    static int[] fill(List<LayerLevels> layers, int[] start, double budget) {
        int[] choice = start.clone();
        double spent = total(layers, choice);
        while (true) {
            int bestLayer = -1;
            int bestLevel = -1;
            double bestRatio = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < choice.length; i++) {
                LayerLevels l = layers.get(i);
                int current = choice[i];
                for (int level = 0; level < current; level++) {
                    double saved = l.distortion(current) - l.distortion(level);
                    double extra = l.cost(level) - l.cost(current);
                    if (saved <= 0 || spent + extra > budget) {
                        continue;
                    }
                    double ratio = extra <= 0 ? Double.POSITIVE_INFINITY : saved / extra;
                    if (ratio > bestRatio) {
                        bestRatio = ratio;
                        bestLayer = i;
                        bestLevel = level;
                    }
                }
            }
            if (bestLayer < 0) {
                return choice;
            }
            LayerLevels l = layers.get(bestLayer);
            spent += l.cost(bestLevel) - l.cost(choice[bestLayer]);
            choice[bestLayer] = bestLevel;
        }
    }
}
