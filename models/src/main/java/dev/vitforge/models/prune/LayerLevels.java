package dev.vitforge.models.prune;

import dev.vitforge.models.sparse.BlockMask;
import java.util.Arrays;

/**
 * The candidate sparsity levels of one layer, densest first: level i keeps {@code kept[i]}
 * top-scoring blocks, at {@code distortion[i]} (sum of the squared scores of the blocks it drops)
 * and {@code cost[i]} (the {@link LayerCost} of its mask). Level 0 is always the dense layer and
 * the last level the floor, max(1, ceil(5% of the blocks)).
 *
 * <p>Kept counts sweep {@link #LEVELS} evenly spaced fractions from 100% to the floor (LPViT
 * sweeps 101); a layer with fewer distinct counts than that simply has fewer levels.
 */
public record LayerLevels(BlockScores scores, int[] ranking, int[] kept, double[] distortion, double[] cost) {

    /** Levels swept per layer, as LPViT does. */
    public static final int LEVELS = 101;
    /** Every layer keeps at least this fraction of its blocks (and at least one block). */
    public static final double FLOOR = 0.05;

    public LayerLevels {
        if (kept.length == 0 || kept.length != distortion.length || kept.length != cost.length) {
            throw new IllegalArgumentException(scores.layer() + ": levels need one kept count, distortion and cost each");
        }
        ranking = ranking.clone();
        kept = kept.clone();
        distortion = distortion.clone();
        cost = cost.clone();
    }

    /** Sweeps the levels of a layer and prices each with {@code costs}. */
    public static LayerLevels sweep(BlockScores scores, LayerCost costs) {
        int total = scores.blocks();
        if (total == 0) {
            throw new IllegalArgumentException(scores.layer() + ": a layer without blocks cannot be pruned");
        }
        int floor = floor(total);
        int[] counts = new int[LEVELS];
        int distinct = 0;
        for (int i = 0; i < LEVELS; i++) {
            double fraction = 1 - (1 - FLOOR) * i / (LEVELS - 1);
            int k = Math.max(floor, Math.min(total, (int) Math.round(fraction * total)));
            if (distinct == 0 || counts[distinct - 1] != k) {
                counts[distinct++] = k;
            }
        }
        if (counts[distinct - 1] != floor) {
            counts[distinct++] = floor; // rounding may stop short of the floor itself
        }
        counts = Arrays.copyOf(counts, distinct);

        int[] ranking = scores.ranking();
        // dropped[k] = sum of squared scores of every block ranked k or worse, i.e. dropped when keeping k.
        double[] dropped = new double[total + 1];
        for (int r = total - 1; r >= 0; r--) {
            double s = scores.score(ranking[r]);
            dropped[r] = dropped[r + 1] + s * s;
        }
        double[] distortion = new double[distinct];
        double[] cost = new double[distinct];
        for (int i = 0; i < distinct; i++) {
            distortion[i] = dropped[counts[i]];
            cost[i] = costs.cost(scores.layer(), counts[i], mask(scores, ranking, counts[i]));
            if (!(cost[i] >= 0) || Double.isInfinite(cost[i])) {
                throw new IllegalArgumentException(scores.layer() + ": the cost of keeping " + counts[i]
                        + " blocks is " + cost[i] + "; costs must be finite and non-negative");
            }
        }
        return new LayerLevels(scores, ranking, counts, distortion, cost);
    }

    /** max(1, ceil(5% of total)): the fewest blocks a layer may keep. */
    public static int floor(int total) {
        return Math.max(1, (int) Math.ceil(FLOOR * total - 1e-9));
    }

    static BlockMask mask(BlockScores scores, int[] ranking, int kept) {
        boolean[] flags = new boolean[scores.blocks()];
        for (int r = 0; r < kept; r++) {
            flags[ranking[r]] = true;
        }
        return new BlockMask(scores.blockSize(), scores.outputBlocks(), scores.inputBlocks(), flags);
    }

    public String layer() {
        return scores.layer();
    }

    public int levels() {
        return kept.length;
    }

    public int kept(int level) {
        return kept[level];
    }

    public double distortion(int level) {
        return distortion[level];
    }

    public double cost(int level) {
        return cost[level];
    }

    /** The dense layer's cost, the reference of every budget fraction. */
    public double denseCost() {
        return cost[0];
    }

    /** The mask of a level: its {@code kept(level)} best blocks. */
    public BlockMask mask(int level) {
        return mask(scores, ranking, kept[level]);
    }

    /** The cheapest level (ties: the densest, which distorts least); not always the floor for hardware costs. */
    public int cheapest() {
        int best = 0;
        for (int i = 1; i < kept.length; i++) {
            if (cost[i] < cost[best]) {
                best = i;
            }
        }
        return best;
    }
}
