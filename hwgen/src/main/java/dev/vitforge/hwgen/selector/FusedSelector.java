package dev.vitforge.hwgen.selector;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.ir.Design;

/**
 * The fused selector: the whole selector step as a chain of on-chip stages, its linear layers on
 * small weight-resident arrays of its own (front: LayerNorm, in_proj, GELU, mlp.0's local half and the
 * token means; the head gate; mlp.0's global half; the tail: GELU, mlp.1, GELU, mlp.2; the decision; the
 * pack). Sized from D and H alone (and the pack from the most patch tokens); the arrays hold at most
 * d x d weights, so nothing but the tokens and the package token crosses the memory port.
 *
 * <p>Cycles: each stage from reset with its inputs queued, the stages one after another (the order
 * the host runs them, each fed the one before's outputs). In hardware the front streams beside the
 * preceding fc2 and the tail beside the following qkv; {@code hwgen.plan.FusedSelectorTiming} models
 * that overlap.
 */
public final class FusedSelector {
    private FusedSelector() {}

    /** The widths the plan tries: elements a beat (and in_proj's inputs a cycle) of the front and tail. */
    public static final List<Integer> LANES = List.of(4, 2);

    /** The stages, in the order a step runs them. */
    public static final List<String> STAGES = List.of("front", "gate", "global", "tail", "decision", "pack");

    /**
     * The stages' shapes for D and H at L lanes (4 or 2): in_proj and mlp.0 at L inputs a cycle (d x L and
     * d/2 x L multipliers), which sets the front's pace at d / L cycles a head row, so its LayerNorm and
     * GELU need only L elements a beat too; the tail at L (2 when d / 4 is even but not a multiple of 4);
     * the pack at 16 int32 a beat (64 bytes, what a memory port gives) or fewer when D is not a multiple
     * of 16. Two lanes halve the arrays, LayerNorm and GELUs (about half the DSPs) and double the pace.
     */
    public record Shapes(SelectorFront.Shape front, SelectorBack.Shape back, MatVecUnit.Shape global, int heads,
                         int dim, int packLanes) {
        /** At 4 lanes. */
        public static Shapes of(int dim, int heads) {
            return of(dim, heads, 4);
        }

        public static Shapes of(int dim, int heads, int lanes) {
            if (!LANES.contains(lanes)) {
                throw new IllegalArgumentException("fused selector: " + lanes + " lanes, it has " + LANES);
            }
            if (heads < 1 || dim % heads != 0) {
                throw new IllegalArgumentException("fused selector: D = " + dim + " is not H = " + heads + " heads");
            }
            int d = dim / heads;
            if (d % 8 != 0) {
                throw new IllegalArgumentException("fused selector: head width d = " + d + " must be a multiple of 8 "
                        + "(the tail takes d / 4 in pairs)");
            }
            int frontLanes = Math.min(lanes, Integer.lowestOneBit(d / 2));
            int backLanes = Math.min(lanes, Integer.lowestOneBit(d / 4));
            return new Shapes(new SelectorFront.Shape(d, frontLanes, frontLanes, frontLanes, heads),
                    new SelectorBack.Shape(d, backLanes, backLanes, backLanes, heads),
                    new MatVecUnit.Shape(d / 2, d / 2, frontLanes, frontLanes), heads, dim,
                    Math.min(16, Integer.lowestOneBit(dim)));
        }

        /** Whether D and H have a fused selector at some width (d a multiple of 8). */
        public static boolean exist(int dim, int heads) {
            return LANES.stream().anyMatch(l -> exist(dim, heads, l));
        }

        /** Whether D and H have a fused selector at L lanes: every stage's shape constraint holds. */
        public static boolean exist(int dim, int heads, int lanes) {
            try {
                of(dim, heads, lanes);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        public int headDim() {
            return dim / heads;
        }

        /** The front's lanes: what {@link #of(int, int, int)} was asked for, unless d / 2 has fewer. */
        public int lanes() {
            return front.lanes();
        }
    }

    /** The stages' designs in {@link #STAGES} order, the pack for {@code tokenCapacity} patch tokens. */
    public static List<Design> designs(Shapes s, int tokenCapacity) {
        return List.of(SelectorFront.design(s.front()), SelectorGate.design(s.heads()), MatVecUnit.design(s.global()),
                SelectorBack.design(s.back()), DecisionUnit.design(s.heads()),
                PackUnit.design(s.dim(), tokenCapacity, s.packLanes()));
    }

    /**
     * Each stage's cycles for one step on n patch tokens, in {@link #STAGES} order, exactly what the RTL
     * takes from reset with its inputs (and its constants) queued: the stages' tests hold each to its
     * model. With n = 0 only the pack runs (it passes the package token on).
     */
    public static Map<String, Long> stageCycles(Shapes s, int n) {
        int h = s.heads();
        int rows = n * h;
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("front", n == 0 ? 0 : SelectorFront.cycles(s.front(), rows, h));
        c.put("gate", n == 0 ? 0 : SelectorGate.cycles(h, n));
        c.put("global", n == 0 ? 0 : MatVecUnit.cycles(s.global(), h));
        c.put("tail", n == 0 ? 0 : SelectorBack.cycles(s.back(), rows, h));
        c.put("decision", n == 0 ? 0 : DecisionUnit.cycles(n, h));
        c.put("pack", PackUnit.cycles(s.dim(), n, s.packLanes()));
        return c;
    }

    /** The sum of {@link #stageCycles}. */
    public static long cycles(Shapes s, int n) {
        return stageCycles(s, n).values().stream().mapToLong(Long::longValue).sum();
    }
}
