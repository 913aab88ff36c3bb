package dev.vitforge.hwgen.gemm;

import dev.vitforge.models.sparse.BlockMask;

/**
 * The engine's cycles for one run, from the same recurrences the RTL implements, assuming every
 * input stream always has a beat ready and every output is always ready (the simulated board's
 * DMA keeps up). Cycle 0 is the first cycle the engine runs after taking ap_start; the result
 * is what the busy_cycles counter reads at the end.
 *
 * <ul>
 *   <li>X tile t loads in ceil(k / xColumns) cycles into half t mod 2, once that half was freed
 *       by tile t-2.</li>
 *   <li>Tile t computes from max(its X loaded, previous barrier + 1). A lane accepts one weight
 *       beat per cycle; column j's sums move to the shadow bank at
 *       {@code C_j = max(a_j + beats_j, C_{j-1} + rows)} (the previous column must have drained
 *       its rows), and the next column starts at {@code C_j}.</li>
 *   <li>The barrier comes one cycle after the slowest lane's last capture; the run ends when the
 *       last tile has passed its barrier and every shadow bank has drained.</li>
 * </ul>
 */
public final class GemmCycleModel {
    private GemmCycleModel() {}

    /** Weight beats of a column: one per k of each non-zero block (fewer in a partial last block), or 1 if empty. */
    public static int[] beatsPerColumn(BlockMask mask, int k) {
        int b = mask.blockSize();
        int[] beats = new int[mask.outputBlocks()];
        for (int j = 0; j < beats.length; j++) {
            int n = 0;
            for (int i : mask.keptInputBlocks(j)) {
                n += Math.min(b, k - i * b);
            }
            beats[j] = Math.max(1, n);
        }
        return beats;
    }

    public static long cycles(GemmConfig c, GemmSchedule schedule, int[] beatsPerColumn, int m, int k) {
        return run(c, schedule, beatsPerColumn, m, k, null, null);
    }

    /**
     * The cycle in which each row tile's last Y row leaves the engine (its last shadow-bank drain beat),
     * from the same recurrence: a consumer of Y rows (the next selector's front half) has the whole tile
     * from the cycle after.
     */
    public static long[] tileDrains(GemmConfig c, GemmSchedule schedule, int[] beatsPerColumn, int m, int k) {
        long[] drains = new long[c.tiles(m)];
        run(c, schedule, beatsPerColumn, m, k, drains, null);
        return drains;
    }

    /** {@link #tileDrains} when row tile t's X rows exist only from cycle {@code xReady[t]} on. */
    public static long[] tileDrains(GemmConfig c, GemmSchedule schedule, int[] beatsPerColumn, int m, int k,
                                    long[] xReady) {
        if (xReady.length != c.tiles(m)) {
            throw new IllegalArgumentException(xReady.length + " ready times for " + c.tiles(m) + " row tiles");
        }
        long[] drains = new long[c.tiles(m)];
        run(c, schedule, beatsPerColumn, m, k, drains, xReady);
        return drains;
    }

    /**
     * The run's cycles when row tile t's X rows exist only from cycle {@code xReady[t]} on (a producer
     * still making them, as the selector makes the next block's tokens): a tile's load starts no
     * earlier. With every entry 0 this is {@link #cycles}.
     */
    public static long cycles(GemmConfig c, GemmSchedule schedule, int[] beatsPerColumn, int m, int k, long[] xReady) {
        if (xReady.length != c.tiles(m)) {
            throw new IllegalArgumentException(xReady.length + " ready times for " + c.tiles(m) + " row tiles");
        }
        return run(c, schedule, beatsPerColumn, m, k, null, xReady);
    }

    /** The recurrence; fills {@code drains} when given, holds tile loads to {@code xReady} when given. */
    private static long run(GemmConfig c, GemmSchedule schedule, int[] beatsPerColumn, int m, int k, long[] drains,
                            long[] xReady) {
        int tiles = c.tiles(m);
        int lanes = schedule.lanes();
        long[] barrier = new long[tiles];
        long[] shadowFree = new long[lanes]; // first cycle a capture may happen in each lane
        long[] lastDrain = new long[lanes];
        long loadEnd = -1;
        long previousBarrier = -1;
        for (int t = 0; t < tiles; t++) {
            // Tile t loads into half t mod 2 once tile t-2 has freed it at its barrier.
            long loadStart = loadEnd + 1;
            if (t >= 2) {
                loadStart = Math.max(loadStart, barrier[t - 2] + 1);
            }
            if (xReady != null) {
                loadStart = Math.max(loadStart, xReady[t]);
            }
            loadEnd = loadStart + c.xBeats(k) - 1;
            long full = loadEnd + 1;
            int rows = Math.min(c.rowTile(), m - t * c.rowTile());
            long start = Math.max(full, previousBarrier + 1);
            long slowest = start;
            for (int l = 0; l < lanes; l++) {
                long accept = start;
                for (int j : schedule.laneColumns()[l]) {
                    long capture = Math.max(accept + beatsPerColumn[j], shadowFree[l]);
                    shadowFree[l] = capture + rows;
                    lastDrain[l] = capture + rows;
                    accept = capture;
                    slowest = Math.max(slowest, capture + 1);
                    if (drains != null) {
                        drains[t] = Math.max(drains[t], capture + rows);
                    }
                }
            }
            barrier[t] = slowest;
            previousBarrier = slowest;
        }
        long end = previousBarrier + 1;
        for (int l = 0; l < lanes; l++) {
            end = Math.max(end, lastDrain[l] + 1);
        }
        return end + 1;
    }
}
