package dev.vitforge.hwgen.plan;

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
 *   <li>row tile: 8 or 16 tokens, whichever pads the layers' token counts least (ties: 16,
 *       which streams the weights half as often);</li>
 *   <li>lanes: at most what (a) the DSPs allow: 80% of the board's, two int8 MACs per DSP48E2,
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
        int rowTile = padded16 <= padded8 ? 16 : 8;
        why.put("row tile", String.format("%d tokens: 8-row tiles leave %.1f%% of rows idle, 16-row tiles %.1f%%",
                rowTile, 100.0 * (padded8 - tokens) / padded8, 100.0 * (padded16 - tokens) / padded16));

        int perLane = rowTile * b;
        int dspLanes = Math.max(1, (int) (0.8 * board.dsp() * 2 / perLane));
        int memoryLanes = Math.max(1, (int) (0.8 * board.memoryBytesPerCycle() / b));
        int upper = Math.min(dspLanes, memoryLanes);
        long[] total = new long[upper + 1];
        long best = Long.MAX_VALUE;
        int fastest = 1;
        for (int lanes = 1; lanes <= upper; lanes++) {
            GemmConfig candidate = new GemmConfig(b, rowTile, lanes, maxK, maxM, maxColumns, Map.of());
            for (GemmLayer l : layers) {
                int[] beats = GemmCycleModel.beatsPerColumn(l.mask(), l.k());
                total[lanes] += GemmCycleModel.cycles(candidate, GemmSchedule.balance(beats, lanes), beats, l.m(), l.k());
            }
            if (total[lanes] < best) {
                best = total[lanes];
                fastest = lanes;
            }
        }
        int lanes = 1;
        while (total[lanes] > best * 1.02) {
            lanes++;
        }
        why.put("lanes", String.format("%d: DSPs allow %d (%d x 80%% x 2 MACs / %d per lane), memory %d (%.0f B/cycle "
                        + "x 80%% / %d B per lane); %d lanes predict %d cycles over the layers, the fastest (%d lanes) %d",
                lanes, dspLanes, board.dsp(), perLane, memoryLanes, board.memoryBytesPerCycle(), b, lanes,
                total[lanes], fastest, best));
        why.put("max k", "the widest layer input, " + maxK + " (the X buffer holds two tiles of it)");
        why.put("max m", "the most tokens, " + maxM);
        why.put("max columns", "the most block-columns of a layer, " + maxColumns + " (one lane may get them all)");
        return new GemmConfig(b, rowTile, lanes, maxK, maxM, maxColumns, why);
    }
}
