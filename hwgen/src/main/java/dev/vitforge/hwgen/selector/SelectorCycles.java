package dev.vitforge.hwgen.selector;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The selector unit's cycles for one selector step on n patch tokens, from its kernels' cycle
 * models, in the order the host runs them ({@code IntegerSelector.decide} then the pack): the
 * LayerNorm over the n*H head rows (which also gives the head gate's channel means), the four GELU
 * steps (in_proj, mlp.0, mlp.1, head_gate.0), the global half's token means, the decision, the pack. The
 * kernels run one after another, so the step costs their sum; the linear layers between them
 * are the GEMM engine's and are not counted here. The plan predicts with this; the simulated
 * unit measures the same numbers (the kernels' tests hold their RTL to these models exactly).
 */
public final class SelectorCycles {
    /** The unit's elements per beat: 16 (the engine's usual block width), or fewer when d is not a multiple of 16. */
    public static final int MAX_LANES = 16;

    private SelectorCycles() {}

    /** Elements per beat of the LayerNorm, GELU, group-mean and pack kernels for head width d. */
    public static int lanes(int headDim) {
        return Math.min(MAX_LANES, Integer.lowestOneBit(headDim));
    }

    /**
     * Cycles per kernel (layernorm, gelu, group_mean, decision, pack) of one step on n patch tokens with
     * {@code lanes} elements per beat (a power of two dividing d).
     */
    public static Map<String, Long> step(int dim, int heads, int n, int lanes) {
        int d = dim / heads;
        Map<String, Long> c = new LinkedHashMap<>();
        if (n == 0) { // nothing to score: decide returns at once; the pack still passes the package token on
            c.put("layernorm", 0L);
            c.put("gelu", 0L);
            c.put("group_mean", 0L);
            c.put("decision", 0L);
            c.put("pack", PackUnit.cycles(dim, 0, lanes));
            return c;
        }
        int rows = n * heads;
        int hg = Math.max(1, heads / 2);
        int global = d - d / 2;
        c.put("layernorm", LayerNormUnit.cycles(d, rows, lanes));
        c.put("gelu", GeluUnit.cycles(d, rows * d, lanes) + GeluUnit.cycles(d / 2, rows * (d / 2), lanes)
                + GeluUnit.cycles(d / 4, rows * (d / 4), lanes) + GeluUnit.cycles(hg, n * hg, lanes));
        // The head gate's channel means come out of the LayerNorm with its rows; only the global half's
        // token means take a pass of the group-mean kernel.
        c.put("group_mean", GroupMeanUnit.cycles((long) heads * global * GroupMeanUnit.beatsPerGroup(n, lanes),
                heads * global));
        c.put("decision", DecisionUnit.cycles(n, heads));
        c.put("pack", PackUnit.cycles(dim, n, lanes));
        return c;
    }

    /** The sum of {@link #step} at the most lanes ({@link #lanes}). */
    public static long total(int dim, int heads, int n) {
        return total(dim, heads, n, lanes(dim / heads));
    }

    /** The sum of {@link #step} at {@code lanes}. */
    public static long total(int dim, int heads, int n, int lanes) {
        return step(dim, heads, n, lanes).values().stream().mapToLong(Long::longValue).sum();
    }
}
