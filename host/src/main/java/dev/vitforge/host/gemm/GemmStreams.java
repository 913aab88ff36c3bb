package dev.vitforge.host.gemm;

import java.util.ArrayList;
import java.util.List;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;

/**
 * The engine's stream formats (they go into manifest.json with the engine). Beats are bit
 * vectors packed into 32-bit words, least significant first.
 * <ul>
 *   <li>X, per row tile: ceil(k / xColumns) beats, each xColumns columns of the tile (the
 *       first in the low bits), a column being the tile's rowTile values of X[:, k], row 0 in
 *       the low byte; rows past m and columns past k are zero.</li>
 *   <li>W, per lane and per row tile (the weights are sent again for every tile): for each of
 *       the lane's block-columns j, for each non-zero block i in ascending order, one beat per
 *       k in the block ({@code skip=0, first, k, W[jB+n][k]} for n = 0..B-1, rows past N
 *       zero), TLAST on the column's last beat; an empty column is one beat with skip=1,
 *       first=1, weights 0 and TLAST.</li>
 *   <li>Y, per lane: for each tile, each of the lane's columns, each row of the tile: B int32.</li>
 * </ul>
 */
public final class GemmStreams {
    private GemmStreams() {}

    public static int[][] packX(Int8Tensor x, GemmConfig c) {
        int m = x.shape()[0];
        int k = x.shape()[1];
        int tiles = c.tiles(m);
        int perTile = c.xBeats(k);
        int words = (c.xBeatWidth() + 31) / 32;
        int[][] beats = new int[tiles * perTile][words];
        for (int t = 0; t < tiles; t++) {
            for (int kk = 0; kk < k; kk++) {
                int[] beat = beats[t * perTile + kk / c.xColumns()];
                int column = kk % c.xColumns();
                for (int r = 0; r < c.rowTile(); r++) {
                    int row = t * c.rowTile() + r;
                    if (row < m) {
                        setBits(beat, 8 * (column * c.rowTile() + r), 8, x.get(row, kk) & 0xFF);
                    }
                }
            }
        }
        return beats;
    }

    /** One lane's weight stream for the whole run. */
    public record LaneWeights(int[][] beats, boolean[] last) {}

    public static LaneWeights packW(Int8Tensor w, BlockMask mask, GemmConfig c, int[] columns, int tiles) {
        int n = w.shape()[0];
        int k = w.shape()[1];
        int b = c.blockSize();
        int words = (c.weightBeatWidth() + 31) / 32;
        int kw = c.kWidth();
        List<int[]> once = new ArrayList<>();
        List<Boolean> onceLast = new ArrayList<>();
        for (int j : columns) {
            int[] blocks = mask.keptInputBlocks(j);
            if (blocks.length == 0) {
                int[] beat = new int[words];
                setBits(beat, 8 * b + kw, 2, 0b11); // skip and first
                once.add(beat);
                onceLast.add(true);
                continue;
            }
            for (int bi = 0; bi < blocks.length; bi++) {
                int i = blocks[bi];
                int width = Math.min(b, k - i * b);
                for (int kk = 0; kk < width; kk++) {
                    int col = i * b + kk;
                    int[] beat = new int[words];
                    for (int r = 0; r < b; r++) {
                        int row = j * b + r;
                        if (row < n) {
                            setBits(beat, 8 * r, 8, w.get(row, col) & 0xFF);
                        }
                    }
                    setBits(beat, 8 * b, kw, col);
                    setBits(beat, 8 * b + kw, 1, bi == 0 && kk == 0 ? 1 : 0);
                    once.add(beat);
                    onceLast.add(bi == blocks.length - 1 && kk == width - 1);
                }
            }
        }
        int per = once.size();
        int[][] beats = new int[per * tiles][];
        boolean[] last = new boolean[per * tiles];
        for (int t = 0; t < tiles; t++) {
            for (int i = 0; i < per; i++) {
                beats[t * per + i] = once.get(i);
                last[t * per + i] = onceLast.get(i);
            }
        }
        return new LaneWeights(beats, last);
    }

    /** Y beats a lane sends: every row of every tile for each of its columns. */
    public static int yBeats(int m, int[] columns) {
        return m * columns.length;
    }

    /** Scatters each lane's Y beats into Y [m x n], dropping the padding columns past n. */
    public static Int32Tensor unpackY(List<int[][]> laneBeats, GemmSchedule schedule, GemmConfig c, int m, int n) {
        int[] y = new int[m * n];
        int b = c.blockSize();
        for (int l = 0; l < schedule.lanes(); l++) {
            int[][] beats = laneBeats.get(l);
            int[] columns = schedule.laneColumns()[l];
            int index = 0;
            for (int t = 0; t < c.tiles(m); t++) {
                int rows = Math.min(c.rowTile(), m - t * c.rowTile());
                for (int j : columns) {
                    for (int r = 0; r < rows; r++) {
                        int[] beat = beats[index++];
                        int row = t * c.rowTile() + r;
                        for (int q = 0; q < b && j * b + q < n; q++) {
                            y[row * n + j * b + q] = beat[q];
                        }
                    }
                }
            }
        }
        return new Int32Tensor(new int[] {m, n}, y);
    }

    static void setBits(int[] words, int lsb, int width, int value) {
        for (int i = 0; i < width; i++) {
            if ((value >>> i & 1) != 0) {
                int bit = lsb + i;
                words[bit >>> 5] |= 1 << (bit & 31);
            }
        }
    }
}
