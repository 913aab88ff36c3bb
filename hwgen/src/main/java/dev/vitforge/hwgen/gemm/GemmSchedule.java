package dev.vitforge.hwgen.gemm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which output block-columns each lane computes, in order. Invariant: every column of the layer
 * appears in exactly one lane. Columns are dealt longest first to the least-loaded lane (LPT,
 * within 4/3 of the best makespan), then each lane runs its columns in ascending order.
 */
public record GemmSchedule(int[][] laneColumns) {

    public GemmSchedule {
        laneColumns = Arrays.stream(laneColumns).map(int[]::clone).toArray(int[][]::new);
    }

    public int lanes() {
        return laneColumns.length;
    }

    public int[] columns(int lane) {
        return laneColumns[lane].clone();
    }

    /** Balances columns by their weight beats (non-zero blocks x B, or 1 for an empty column). */
    public static GemmSchedule balance(int[] beatsPerColumn, int lanes) {
        Integer[] order = new Integer[beatsPerColumn.length];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer j) -> -beatsPerColumn[j]).thenComparingInt(j -> j));
        long[] load = new long[lanes];
        List<List<Integer>> assigned = new ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            assigned.add(new ArrayList<>());
        }
        for (int j : order) {
            int best = 0;
            for (int l = 1; l < lanes; l++) {
                if (load[l] < load[best]) {
                    best = l;
                }
            }
            load[best] += beatsPerColumn[j];
            assigned.get(best).add(j);
        }
        int[][] columns = new int[lanes][];
        for (int l = 0; l < lanes; l++) {
            columns[l] = assigned.get(l).stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        return new GemmSchedule(columns);
    }
}
