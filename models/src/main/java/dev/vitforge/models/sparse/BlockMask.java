package dev.vitforge.models.sparse;

import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import java.util.Arrays;
import java.util.Random;

/**
 * Which B x B blocks of a weight matrix W [N x K] are kept; {@code kept} is row-major
 * [{@code rows} x {@code cols}] with rows = ceil(N/B) output blocks and cols = ceil(K/B) input blocks.
 *
 * <p>Naming: the mask is indexed in W's [N x K] layout, so block-row {@code outputBlock} of W
 * produces Y's columns {@code outputBlock*B .. outputBlock*B+B-1} (what the engine calls
 * "column j"), and block-column {@code inputBlock} consumes X's columns {@code inputBlock*B ..}.
 * Methods say "output block" and "input block" rather than "row"/"column" to avoid the clash.
 */
public record BlockMask(int blockSize, int rows, int cols, boolean[] kept) {

    public BlockMask {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        if (rows < 0 || cols < 0 || (long) rows * cols != kept.length) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " block mask needs "
                    + ((long) rows * cols) + " entries, got " + kept.length);
        }
        kept = kept.clone();
    }

    /** Every block of an [n x k] matrix kept. */
    public static BlockMask full(int blockSize, int n, int k) {
        BlockMask m = empty(blockSize, n, k);
        boolean[] all = new boolean[m.kept.length];
        Arrays.fill(all, true);
        return new BlockMask(blockSize, m.rows, m.cols, all);
    }

    /** No block of an [n x k] matrix kept. */
    public static BlockMask empty(int blockSize, int n, int k) {
        return new BlockMask(blockSize, blocks(n, blockSize, "N"), blocks(k, blockSize, "K"),
                new boolean[blocks(n, blockSize, "N") * blocks(k, blockSize, "K")]);
    }

    /**
     * Exactly {@code round(density * total)} kept blocks, chosen by a Fisher-Yates shuffle seeded
     * with {@code seed}, so benchmarks at a given density do exactly that much work every run.
     */
    public static BlockMask random(long seed, double density, int blockSize, int n, int k) {
        if (!(density >= 0 && density <= 1)) {
            throw new IllegalArgumentException("density must be in [0, 1], got " + density);
        }
        BlockMask shape = empty(blockSize, n, k);
        int total = shape.kept.length;
        int[] order = new int[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Random rng = new Random(seed);
        for (int i = total - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        boolean[] kept = new boolean[total];
        long count = Math.round(density * total);
        for (int i = 0; i < count; i++) {
            kept[order[i]] = true;
        }
        return new BlockMask(blockSize, shape.rows, shape.cols, kept);
    }

    /** The mask a pruned weight matrix W [N x K] implies: a block is kept iff any weight in it is non-zero. */
    public static BlockMask fromWeights(Int8Tensor weights, int blockSize) {
        if (weights.rank() != 2) {
            throw new IllegalArgumentException("weights must be 2-D [N x K], got shape " + weights.shapeString());
        }
        int n = weights.rows();
        int k = weights.cols();
        BlockMask m = empty(blockSize, n, k);
        boolean[] kept = new boolean[m.kept.length];
        byte[] w = weights.data();
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < k; c++) {
                if (w[r * k + c] != 0) {
                    kept[(r / blockSize) * m.cols + c / blockSize] = true;
                }
            }
        }
        return new BlockMask(blockSize, m.rows, m.cols, kept);
    }

    /**
     * A mask stored as a tensor of any dtype (non-zero = kept) for weights W [n x k]; its shape
     * must be (ceil(n/B), ceil(k/B)), else the error names {@code file} and both shapes.
     */
    public static BlockMask fromTensor(Tensor mask, int blockSize, int n, int k, String file) {
        BlockMask m = empty(blockSize, n, k);
        int[] shape = mask.shape();
        if (shape.length != 2 || shape[0] != m.rows || shape[1] != m.cols) {
            throw new TensorFormatException(file, "mask shape " + mask.shapeString() + " does not fit weights ["
                    + n + " x " + k + "] in " + blockSize + " x " + blockSize + " blocks; expected "
                    + Tensor.formatShape(m.rows, m.cols));
        }
        boolean[] kept = new boolean[m.kept.length];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = mask.doubleAt(i) != 0;
        }
        return new BlockMask(blockSize, m.rows, m.cols, kept);
    }

    /** ceil(extent / blockSize), the number of blocks covering one dimension. */
    public static int blocks(int extent, int blockSize, String what) {
        if (extent < 0) {
            throw new IllegalArgumentException(what + " must not be negative, got " + extent);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        return (int) (((long) extent + blockSize - 1) / blockSize);
    }

    /** A copy of the flags, row-major over (output block, input block). */
    @Override
    public boolean[] kept() {
        return kept.clone();
    }

    /** Number of output blocks, ceil(N/B): block-rows of W, block-columns of Y. Same as {@link #rows()}. */
    public int outputBlocks() {
        return rows;
    }

    /** Number of input blocks, ceil(K/B): block-columns of W and of X. Same as {@link #cols()}. */
    public int inputBlocks() {
        return cols;
    }

    /** Whether block (outputBlock, inputBlock) of W is kept. */
    public boolean isKept(int outputBlock, int inputBlock) {
        checkOutputBlock(outputBlock);
        if (inputBlock < 0 || inputBlock >= cols) {
            throw new IndexOutOfBoundsException("input block " + inputBlock + " outside 0.." + (cols - 1));
        }
        return kept[outputBlock * cols + inputBlock];
    }

    /** Number of kept blocks in the whole mask. */
    public int nonzeroBlocks() {
        int count = 0;
        for (boolean b : kept) {
            count += b ? 1 : 0;
        }
        return count;
    }

    /**
     * Kept blocks feeding output block {@code outputBlock} (Y's columns outputBlock*B ..), i.e.
     * the kept blocks in block-row {@code outputBlock} of W [N x K].
     */
    public int nonzeroBlocksForOutput(int outputBlock) {
        return keptInputBlocks(outputBlock).length;
    }

    /** Indices, ascending, of the kept input blocks in block-row {@code outputBlock} of W. */
    public int[] keptInputBlocks(int outputBlock) {
        checkOutputBlock(outputBlock);
        int[] out = new int[cols];
        int count = 0;
        for (int b = 0; b < cols; b++) {
            if (kept[outputBlock * cols + b]) {
                out[count++] = b;
            }
        }
        return Arrays.copyOf(out, count);
    }

    /** Fraction of blocks kept; 0 for a mask with no blocks. */
    public double density() {
        return kept.length == 0 ? 0 : (double) nonzeroBlocks() / kept.length;
    }

    /**
     * Multiply-accumulates that matter for X [m x k] times W [n x k]ᵀ: per kept block, m times the
     * block's rows inside n times its columns inside k, so partial edge blocks count only real weights.
     */
    public long usefulMacs(int m, int n, int k) {
        requireFits(n, k);
        if (m < 0) {
            throw new IllegalArgumentException("M must not be negative, got " + m);
        }
        long macs = 0;
        for (int j = 0; j < rows; j++) {
            long height = Math.min(blockSize, n - (long) j * blockSize);
            for (int b = 0; b < cols; b++) {
                if (kept[j * cols + b]) {
                    macs += m * height * Math.min(blockSize, k - (long) b * blockSize);
                }
            }
        }
        return macs;
    }

    /** Throws unless this mask has exactly the block grid of an [n x k] weight matrix. */
    public void requireFits(int n, int k) {
        int wantRows = blocks(n, blockSize, "N");
        int wantCols = blocks(k, blockSize, "K");
        if (wantRows != rows || wantCols != cols) {
            throw new IllegalArgumentException("mask is " + rows + " x " + cols + " blocks of " + blockSize
                    + " but W [" + n + " x " + k + "] needs " + wantRows + " x " + wantCols);
        }
    }

    private void checkOutputBlock(int outputBlock) {
        if (outputBlock < 0 || outputBlock >= rows) {
            throw new IndexOutOfBoundsException("output block " + outputBlock + " outside 0.." + (rows - 1));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockMask m && m.blockSize == blockSize && m.rows == rows && m.cols == cols
                && Arrays.equals(m.kept, kept);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * blockSize + rows) + cols) + Arrays.hashCode(kept);
    }

    @Override
    public String toString() {
        return "BlockMask[B=" + blockSize + ", " + rows + " x " + cols + " blocks, " + nonzeroBlocks() + " kept]";
    }

    /** Zeroes every weight of W [n x k] (row-major in {@code w}) outside this mask's kept blocks. */
    public void zeroPruned(float[] w, int n, int k) {
        requireFits(n, k);
        for (int r = 0; r < n; r++) {
            int row = (r / blockSize) * cols;
            for (int c = 0; c < k; c++) {
                if (!kept[row + c / blockSize]) {
                    w[r * k + c] = 0f;
                }
            }
        }
    }
}
