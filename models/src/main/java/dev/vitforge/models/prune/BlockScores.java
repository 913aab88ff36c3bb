package dev.vitforge.models.prune;

import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The saliency of every B x B block of one layer's weight W [out x in], row-major over
 * (output block, input block) like {@link BlockMask}. A block's score is mean |W ⊙ g| over its
 * real elements (partial edge blocks are averaged over what they hold, so they are not penalised
 * for their padding), or mean |W| when no gradient is given.
 */
public record BlockScores(String layer, int outFeatures, int inFeatures, int blockSize, double[] scores) {

    public BlockScores {
        int rows = BlockMask.blocks(outFeatures, blockSize, "out features");
        int cols = BlockMask.blocks(inFeatures, blockSize, "in features");
        if ((long) rows * cols != scores.length) {
            throw new IllegalArgumentException(layer + ": " + rows + " x " + cols + " blocks need " + ((long) rows * cols)
                    + " scores, got " + scores.length);
        }
        for (double s : scores) {
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException(layer + ": block scores must be finite and non-negative, got " + s);
            }
        }
        scores = scores.clone();
    }

    /**
     * Scores W [out x in] (2-D) in B x B blocks, weighting by {@code gradient} (same shape) when it is not null.
     */
    public static BlockScores of(String layer, Float32Tensor weight, Float32Tensor gradient, int blockSize) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(layer + ": weight must be 2-D [out x in], got shape " + weight.shapeString());
        }
        if (gradient != null && !Arrays.equals(weight.shape(), gradient.shape())) {
            throw new IllegalArgumentException(layer + ": gradient has shape " + gradient.shapeString()
                    + " but the weight has " + weight.shapeString());
        }
        int n = weight.rows();
        int k = weight.cols();
        int rows = BlockMask.blocks(n, blockSize, "out features");
        int cols = BlockMask.blocks(k, blockSize, "in features");
        float[] w = weight.data();
        float[] g = gradient == null ? null : gradient.data();
        double[] sums = new double[rows * cols];
        for (int r = 0; r < n; r++) {
            int row = (r / blockSize) * cols;
            for (int c = 0; c < k; c++) {
                int i = r * k + c;
                double v = Math.abs((double) w[i] * (g == null ? 1.0 : g[i]));
                sums[row + c / blockSize] += v;
            }
        }
        for (int j = 0; j < rows; j++) {
            int height = Math.min(blockSize, n - j * blockSize);
            for (int b = 0; b < cols; b++) {
                sums[j * cols + b] /= (double) height * Math.min(blockSize, k - b * blockSize);
            }
        }
        return new BlockScores(layer, n, k, blockSize, sums);
    }

    @Override
    public double[] scores() {
        return scores.clone();
    }

    public int outputBlocks() {
        return BlockMask.blocks(outFeatures, blockSize, "out features");
    }

    public int inputBlocks() {
        return BlockMask.blocks(inFeatures, blockSize, "in features");
    }

    public int blocks() {
        return scores.length;
    }

    public double score(int block) {
        return scores[block];
    }

    /** Block indices, best first; ties go to the lower index so the choice is deterministic. */
    public int[] ranking() {
        return java.util.stream.IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** The mask keeping the {@code kept} best-scoring blocks. */
    public BlockMask topK(int kept) {
        return LayerLevels.mask(this, ranking(), kept);
    }
}
