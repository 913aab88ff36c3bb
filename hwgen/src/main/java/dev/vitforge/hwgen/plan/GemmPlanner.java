package dev.vitforge.hwgen.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;

/**
 * Sizes one GEMM engine for a set of layers on a board. The rules, in the order they bind:
 * <ul>
 *   <li>block size: the masks' (all layers must agree);</li>
 *   <li>row tile: 8 or 16 tokens, chosen together with the lanes by predicted cycles (16 reuses
 *       each streamed weight twice as often, 8 pads short token counts less);</li>
 *   <li>lanes: at most what (a) the DSPs allow: 80% of the board's, one int8 MAC per DSP (what
 *       the emitted RTL infers; packing two int8 products into one DSP48E2 is not done yet),
 *       and (b) the memory allows: every lane streams B weight bytes per cycle, 80% of the
 *       board's bandwidth at its clock; within that, the fewest lanes whose predicted cycles
 *       over all the layers come within 2% of the fastest (narrow layers leave extra lanes idle,
 *       so more lanes stop paying at some point);</li>
 *   <li>maxK, maxM, maxColumns: the layers' largest (they size the X buffer and counters).</li>
 * </ul>
 */
public final class GemmPlanner {
    private GemmPlanner() {}

    public static GemmConfig plan(List<GemmLayer> layers, Board board) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("nothing to plan: no layers");
        }
        int b = layers.get(0).mask().blockSize();
        for (GemmLayer l : layers) {
            if (l.mask().blockSize() != b) {
                throw new IllegalArgumentException("layers disagree on the block size: " + layers.get(0).name() + " has "
                        + b + ", " + l.name() + " has " + l.mask().blockSize());
            }
        }
        if (Integer.bitCount(b) != 1 || b < 2 || b > 64) {
            throw new IllegalArgumentException("block size " + b + ": the engine needs a power of two from 2 to 64");
        }
        Map<String, String> why = new LinkedHashMap<>();
        why.put("block size", "the masks' block size, " + b);

        long padded8 = 0;
        long padded16 = 0;
        long tokens = 0;
        int maxM = 0;
        int maxK = 0;
        int maxColumns = 0;
        for (GemmLayer l : layers) {
            tokens += l.m();
            padded8 += (l.m() + 7) / 8 * 8L;
            padded16 += (l.m() + 15) / 16 * 16L;
            maxM = Math.max(maxM, l.m());
            maxK = Math.max(maxK, l.k());
            int columns = l.mask().outputBlocks();
            maxColumns = Math.max(maxColumns, columns);
        }
        // Every (row tile, lanes) pair within the DSP and memory bounds is costed with the cycle
        // model; the fastest wins, then the fewest multipliers within 2% of it. A larger row tile
        // reuses each streamed weight on more tokens (it matters when memory bounds the lanes)
        // but pads short token counts more.
        int memoryLanes = Math.max(1, (int) (0.8 * board.memoryBytesPerCycle() / b));
        long best = Long.MAX_VALUE;
        List<long[]> candidates = new ArrayList<>(); // {rowTile, lanes, cycles, dspLanes}
        for (int xColumns : new int[] {1, 2, 4}) {
        for (int rowTile : new int[] {8, 16}) {
            int dspLanes = Math.max(1, (int) (0.8 * board.dsp() / (rowTile * b)));
            for (int lanes = 1; lanes <= Math.min(dspLanes, memoryLanes); lanes++) {
                GemmConfig candidate = GemmConfig.of(b, rowTile, lanes, maxK, maxM, maxColumns, xColumns);
                long total = 0;
                for (GemmLayer l : layers) {
                    int[] beats = GemmCycleModel.beatsPerColumn(l.mask(), l.k());
                    total += GemmCycleModel.cycles(candidate, GemmSchedule.balance(beats, lanes), beats, l.m(), l.k());
                }
                candidates.add(new long[] {rowTile, lanes, total, dspLanes, xColumns});
                best = Math.min(best, total);
            }
        }
        }
        long[] chosen = null;
        for (long[] c : candidates) {
            boolean good = c[2] <= best * 1.02;
            // Fewest multipliers, then the narrowest X stream, then the fastest.
            if (good && (chosen == null || c[0] * c[1] < chosen[0] * chosen[1]
                    || c[0] * c[1] == chosen[0] * chosen[1] && (c[4] < chosen[4]
                    || c[4] == chosen[4] && c[2] < chosen[2]))) {
                chosen = c;
            }
        }
        int rowTile = (int) chosen[0];
        int lanes = (int) chosen[1];
        int xColumns = (int) chosen[4];
        why.put("row tile", String.format("%d tokens: 8-row tiles leave %.1f%% of rows idle, 16-row tiles %.1f%%; "
                        + "chosen with the lanes, by predicted cycles", rowTile, 100.0 * (padded8 - tokens) / padded8,
                100.0 * (padded16 - tokens) / padded16));
        why.put("lanes", String.format("%d: DSPs allow %d (%d x 80%% / %d MACs per lane), memory %d (%.0f B/cycle "
                        + "x 80%% / %d B per lane); %d x %d-row lanes predict %d cycles over the layers, the fastest "
                        + "choice %d: the fewest multipliers within 2%%", lanes, chosen[3], board.dsp(), rowTile * b,
                memoryLanes, board.memoryBytesPerCycle(), b, lanes, rowTile, chosen[2], best));
        why.put("max k", "the widest layer input, " + maxK + " (the X buffer holds two tiles of it)");
        why.put("max m", "the most tokens, " + maxM);
        why.put("max columns", "the most block-columns of a layer, " + maxColumns + " (one lane may get them all)");
        why.put("x columns", xColumns + " column(s) of the row tile per X beat: the fewest that keep the "
                + "multipliers, not the X load, the bound (within 2%)");
        return new GemmConfig(b, rowTile, lanes, maxK, maxM, maxColumns, xColumns, why);
    }
}
