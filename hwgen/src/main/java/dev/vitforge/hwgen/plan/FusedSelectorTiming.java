package dev.vitforge.hwgen.plan;

import java.util.function.Function;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.GeluUnit;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.hwgen.selector.SelectorBack;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.sparse.BlockMask;

/**
 * What the fused selector adds to the forward pass, predicted: it runs beside the GEMM engine, so
 * its cost is how much later the following qkv ends than it would with its rows ready when the
 * preceding product (fc2, or the patch embedding) ends. A rate model of the chain, row by row: the
 * front takes a head row every d / c1 cycles once the preceding product's row tile holding it has
 * drained; mlp.0's global half runs when the front's token means are out; the tail takes a head row
 * every d / (2 c) cycles after that; each token's decision follows its last head row; the pack copies a
 * token's row (from memory, assumed prefetched) once its decision exists, and the package token after
 * the last. The qkv's row tiles then wait for their rows ({@link GemmCycleModel#cycles(GemmConfig,
 * GemmSchedule, int[], int, int, long[])}). Stage latencies come from the stages' exact models. It
 * assumes the head gate and the decision's gate logits are never the slower input (a token takes the
 * gate H cycles, the front H d / c1) and that the buffers between stages never fill. FusedChainRunTest
 * holds it equal, cycle for cycle, to the chain's RTL timed beside the engine's model.
 *
 * <p>Times count from the start of the preceding product.
 */
public final class FusedSelectorTiming {
    private FusedSelectorTiming() {}

    /** The predicted ends (front, global half, tail, pack), the qkv's tile ready times and the exposed cycles. */
    public record Timing(long precedingEnd, long frontEnd, long globalEnd, long tailEnd, long packEnd,
                         long[] qkvReady, long exposed) {}

    /**
     * The selector scoring the n patch rows starting at {@code firstPatch} of the preceding product
     * ({@code preceding}: mask, k and m rows; with {@code hasPackage} its last row is the package token
     * so far, which the pack takes in as it drains), keeping {@code keep}, before the qkv ({@code qkv},
     * k = D) on {@code kept + 2} rows (CLS, the kept rows, the package token).
     */
    public static Timing predict(FusedSelector.Shapes s, GemmConfig engine, BlockMask preceding, int precedingK,
                                 int precedingRows, int firstPatch, boolean hasPackage, boolean[] keep,
                                 BlockMask qkv) {
        int n = keep.length;
        int h = s.heads();
        int d = s.headDim();
        Drained before = drained(engine, preceding, precedingK, precedingRows);
        long[] drains = before.drains();
        long precedingEnd = before.end();

        long frontEnd = precedingEnd;
        long globalEnd = precedingEnd;
        long tailEnd = precedingEnd;
        long[] decided = new long[n];
        if (n > 0) {
            // Front: a head row every d / c1 cycles, its LayerNorm waiting for the row's tile to drain (and, from
            // reset, for its gamma and beta: d / L beats, which lnFirstOut counts).
            SelectorFront.Shape f = s.front();
            int paramBeats = d / f.lanes();
            long lnFirstOut = LayerNormUnit.cycles(d, 1, f.lanes()) - paramBeats;
            long u = 0;
            for (int t = 0; t < n; t++) {
                long arrives = drains[(firstPatch + t) / engine.rowTile()] + 1;
                for (int r = 0; r < h; r++) {
                    u = Math.max(u, Math.max(arrives, paramBeats) + lnFirstOut - paramBeats) + f.cyclesPerRow();
                }
            }
            frontEnd = u + SelectorFront.cycles(f, 1, h) - lnFirstOut - f.cyclesPerRow();
            // mlp.0's global half takes the token means as the front gives them, at their pace (a row's d / 2L
            // beats in its d / 2c cycles), so only its last row's latency and output beats come after.
            MatVecUnit.Shape g = s.global();
            globalEnd = frontEnd + MatVecUnit.LATENCY + g.outBeats() + 1;
            // Tail: its head-bias table complete, a head row every d / (2 c) cycles.
            SelectorBack.Shape b = s.back();
            MatVecUnit.Shape mlp2 = b.mlp2();
            // The bias table's last beat takes a cycle into its register before the first row starts.
            long rowOut = 1 + 2L * GeluUnit.LATENCY + MatVecUnit.LATENCY + mlp2.cyclesPerRow() + MatVecUnit.LATENCY
                    + mlp2.outBeats();
            for (int t = 0; t < n; t++) {
                decided[t] = globalEnd + rowOut + (long) (t + 1) * h * b.cyclesPerRow() + DecisionUnit.LATENCY;
            }
            tailEnd = globalEnd + rowOut + (long) n * h * b.cyclesPerRow();
        }
        // Pack: the package token first (as the preceding product drains it, or zeros at once), then each
        // token's row once decided, a beat a cycle.
        int rowBeats = s.dim() / s.packLanes();
        int kept = 0;
        for (boolean k : keep) {
            kept += k ? 1 : 0;
        }
        long[] rowReady = new long[kept + 2];
        rowReady[0] = precedingEnd; // CLS: the residual, as the preceding product leaves it
        long copied = (hasPackage ? drains[drains.length - 1] + 1 : 0) + rowBeats; // the package token in
        int i = 1;
        for (int t = 0; t < n; t++) {
            copied = Math.max(copied, decided[t] + 1) + rowBeats;
            if (keep[t]) {
                rowReady[i++] = copied + 1;
            }
        }
        long packEnd = copied + PackUnit.cycles(s.dim(), 0, s.packLanes()) - rowBeats; // the package token's division
        rowReady[kept + 1] = packEnd;
        QkvWait wait = qkvWait(engine, qkv, s.dim(), rowReady, precedingEnd);
        return new Timing(precedingEnd, frontEnd, globalEnd, tailEnd, packEnd, wait.ready(), wait.delay());
    }

    /** A product on the engine: the cycle each row tile's last output row leaves, and its end. */
    public record Drained(long[] drains, long end) {}

    /** {@code mask} (k inputs) on m rows, alone on the engine ({@link GemmCycleModel}). */
    public static Drained drained(GemmConfig engine, BlockMask mask, int k, int m) {
        int[] beats = GemmCycleModel.beatsPerColumn(mask, k);
        GemmSchedule schedule = GemmSchedule.balance(beats, engine.lanes());
        return new Drained(GemmCycleModel.tileDrains(engine, schedule, beats, m, k),
                GemmCycleModel.cycles(engine, schedule, beats, m, k));
    }

    /** When each of the qkv's row tiles has its rows (cycles after the preceding product's end), and its delay. */
    public record QkvWait(long[] ready, long delay) {}

    /**
     * The qkv ({@code qkv}, k = D) on rows ready at {@code rowReady} (cycles from the preceding product's
     * start), against the same qkv with every row ready when the preceding product ends.
     */
    public static QkvWait qkvWait(GemmConfig engine, BlockMask qkv, int dim, long[] rowReady, long precedingEnd) {
        int m = rowReady.length;
        long[] ready = new long[engine.tiles(m)];
        for (int r = 0; r < m; r++) {
            int t = r / engine.rowTile();
            ready[t] = Math.max(ready[t], rowReady[r] - precedingEnd);
        }
        int[] beats = GemmCycleModel.beatsPerColumn(qkv, dim);
        GemmSchedule schedule = GemmSchedule.balance(beats, engine.lanes());
        long free = GemmCycleModel.cycles(engine, schedule, beats, m, dim);
        long waited = GemmCycleModel.cycles(engine, schedule, beats, m, dim, ready);
        return new QkvWait(ready, waited - free);
    }

    /**
     * The selector before {@code block} of {@code a}, keeping {@code keep} of its patch tokens: it overlaps the
     * patch embedding (block 0) or the preceding block's fc2 (CLS, the patches and, after an earlier
     * selector, the package token), and delays this block's qkv. Masks missing from {@code masks} are dense.
     */
    public static Timing predictBefore(FusedSelector.Shapes s, Architecture a, Function<String, BlockMask> masks,
                                       int blockSize, GemmConfig engine, int block, boolean[] keep, boolean hasPackage) {
        int d = a.embedDim();
        BlockMask qkv = ModelPlan.maskOrDense(masks, "blocks." + block + ".attn.qkv", blockSize, 3 * d, d);
        if (block == 0) {
            int patchK = a.inChans() * a.patchSize() * a.patchSize();
            return predict(s, engine, BlockMask.full(blockSize, d, patchK), patchK, a.patches(), 0, false, keep, qkv);
        }
        int rows = 1 + keep.length + (hasPackage ? 1 : 0);
        return predict(s, engine, ModelPlan.maskOrDense(masks, "blocks." + (block - 1) + ".mlp.fc2", blockSize, d,
                a.hiddenDim()),
                a.hiddenDim(), rows, 1, hasPackage, keep, qkv);
    }

    /** The keep mask the plan assumes: {@code kept} of n tokens, spread evenly. */
    public static boolean[] spread(int n, int kept) {
        if (kept < 0 || kept > n) {
            throw new IllegalArgumentException(kept + " kept of " + n + " tokens");
        }
        boolean[] keep = new boolean[n];
        for (int i = 0; i < kept; i++) {
            keep[(int) ((long) (2 * i + 1) * n / (2L * kept))] = true;
        }
        return keep;
    }
}
