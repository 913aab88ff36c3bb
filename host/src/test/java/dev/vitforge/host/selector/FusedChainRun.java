package dev.vitforge.host.selector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.FusedSelectorTiming;
import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.hwgen.selector.SelectorBack;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.hwgen.selector.SelectorGate;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.sim.tb.TimedRun;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The fused selector's RTL timed beside the GEMM engine's cycle model: what FusedSelectorTiming
 * predicts, measured. Every stage is its RTL on Verilator in a {@link TimedRun}, its inputs queued on
 * the cycle the stage before handed them over (stages joined by FIFOs, so a stage never holds up the
 * one before it): the front fed by the preceding fc2 as its row tiles drain (the engine's cycle
 * model), the head gate by the front's row means, mlp.0's global half by the token means, the tail by
 * both, the decision by the tail's diffs and the gate's logits, the pack by the decisions. The kept
 * rows and the package token then feed the following qkv, whose row tiles load only once their rows
 * exist; the selector's cost is how much later that qkv ends than if its rows had been ready when fc2
 * ended. Cycle 0 is fc2's first cycle. Values do not change any stage's timing, so the stages run on
 * zeros, except the pack's keep flags.
 */
final class FusedChainRun {
    /** The measured ends, relative to fc2's first cycle, the qkv's tile ready times (after fc2) and the cost. */
    record Measured(long precedingEnd, long frontEnd, long gateEnd, long globalEnd, long tailEnd, long decisionEnd,
                    long packEnd, long[] qkvReady, long exposed) {}

    private final FusedSelector.Shapes shapes;
    private final Map<String, VerilatorModel> models = new LinkedHashMap<>();

    FusedChainRun(FusedSelector.Shapes shapes) {
        this.shapes = shapes;
    }

    private VerilatorModel model(dev.vitforge.hwgen.ir.Design d) {
        return models.computeIfAbsent(d.top().name(), k -> VerilatorModel.build(DesignFiles.source(d)));
    }

    /**
     * The selector on the n = keep.length patch rows from {@code firstPatch} of a preceding product (mask,
     * k, m rows: fc2 with CLS at row 0 and, when {@code hasPackage}, the package token last; or the patch
     * embedding, first patch at row 0), keeping {@code keep}, before the qkv (k = D) on CLS, the kept rows
     * and the package token. The pack takes the package token in as it drains (at once without one).
     */
    Measured measure(GemmConfig engine, BlockMask fc2, int fc2K, int m, int firstPatch, boolean hasPackage,
                     boolean[] keep, BlockMask qkv) {
        int n = keep.length;
        int heads = shapes.heads();
        int dm = shapes.dim();
        // The engine's side is its cycle model (SimGemmEngineTest holds it to the RTL); the chain is RTL.
        FusedSelectorTiming.Drained before = FusedSelectorTiming.drained(engine, fc2, fc2K, m);
        long[] drains = before.drains();
        long fc2End = before.end();

        Map<String, long[]> front = front(drains, engine.rowTile(), firstPatch, n, heads);
        long[] g1 = gate(heads, front.get("row_mean"));
        long[] global = globalHalf(front.get("global_mean"));
        long[] diff = back(heads, n * heads, front.get("local_acc"), global);
        long[] decisions = decision(heads, n, diff, g1);
        Map<String, long[]> pack = pack(dm, n, keep, decisions, hasPackage ? drains[drains.length - 1] + 1 : 0);

        int kept = 0;
        for (boolean k : keep) {
            kept += k ? 1 : 0;
        }
        int mNext = kept + 2;
        int b = dm / shapes.packLanes();
        long[] rowReady = new long[mNext];
        for (int i = 0; i < kept; i++) {
            rowReady[1 + i] = pack.get("kept")[(i + 1) * b - 1] + 1;
        }
        long[] pkgOut = pack.get("pkg_out");
        rowReady[mNext - 1] = pkgOut[pkgOut.length - 1] + 1;
        FusedSelectorTiming.QkvWait wait = FusedSelectorTiming.qkvWait(engine, qkv, dm, rowReady, fc2End);
        return new Measured(fc2End, last(front), g1[g1.length - 1] + 1, global[global.length - 1] + 1,
                diff[diff.length - 1] + 1, decisions[decisions.length - 1] + 1, last(pack), wait.ready(),
                wait.delay());
    }

    private static long last(Map<String, long[]> times) {
        long end = 0;
        for (long[] t : times.values()) {
            end = Math.max(end, t[t.length - 1] + 1);
        }
        return end;
    }

    private static TimedRun.Arrival at(String stream, long cycle, int beats, int words) {
        return new TimedRun.Arrival(stream, cycle, new int[beats][words], new boolean[beats]);
    }

    private static TimedRun.Arrival params(String stream, int[][] beats) {
        return new TimedRun.Arrival(stream, 0, beats, new boolean[beats.length]);
    }

    private static TimedRun.Arrival table(String stream, int entries) {
        boolean[] last = new boolean[entries];
        last[entries - 1] = true;
        return new TimedRun.Arrival(stream, 0, new int[entries][2], last);
    }

    /** The front, each row tile's patch rows (H head rows a token) queued the cycle after the tile drains. */
    private Map<String, long[]> front(long[] drains, int rowTile, int firstPatch, int patches, int heads) {
        SelectorFront.Shape front = shapes.front();
        int lanes = front.lanes();
        int d = front.headDim();
        int rows = patches * heads;
        try (SimInstance sim = model(SelectorFront.design(front)).newInstance()) {
            sim.reset(2);
            sim.poke("heads", heads);
            sim.poke("rows", rows);
            List<TimedRun.Arrival> in = new ArrayList<>();
            in.add(params("ln_param", LayerNormUnit.paramBeats(new int[d], new long[d], lanes)));
            in.add(params("in_proj_param", MatVecUnit.paramBeats(front.inProj(), new byte[d * d], new int[d])));
            in.add(table("gelu_param", d));
            in.add(params("mlp0_param", MatVecUnit.paramBeats(front.mlp0(), new byte[d * d / 4], new int[d / 2])));
            for (int t = 0; t < drains.length; t++) {
                int first = Math.max(firstPatch, t * rowTile) - firstPatch; // patches [first, last) of this tile
                int last = Math.min(firstPatch + patches, (t + 1) * rowTile) - firstPatch;
                if (last > first) {
                    in.add(at("in", drains[t] + 1, (last - first) * heads * d / lanes, lanes));
                }
            }
            Map<String, Integer> out = new LinkedHashMap<>();
            out.put("local_acc", rows * d / 2 / lanes);
            out.put("global_u", rows * d / 2 / lanes);
            out.put("row_mean", rows);
            out.put("global_mean", front.meanBeats(heads));
            return TimedRun.run(sim, in, out, drains[drains.length - 1] + 100_000);
        }
    }

    /** The head gate, each row mean queued the cycle after the front gave it. */
    private long[] gate(int heads, long[] rowMeans) {
        int hg = SelectorGate.hidden(heads);
        try (SimInstance sim = model(SelectorGate.design(heads)).newInstance()) {
            sim.reset(2);
            List<TimedRun.Arrival> in = new ArrayList<>();
            in.add(params("gate0_param", MatVecUnit.paramBeats(SelectorGate.gate0(heads), new byte[hg * heads],
                    new int[hg])));
            in.add(params("gate1_param", MatVecUnit.paramBeats(SelectorGate.gate1(heads), new byte[hg * heads],
                    new int[heads])));
            in.add(table("gelu_param", hg));
            for (long t : rowMeans) {
                in.add(at("row_mean", t + 1, 1, 1));
            }
            return TimedRun.run(sim, in, Map.of("g1", rowMeans.length), rowMeans[rowMeans.length - 1] + 10_000)
                    .get("g1");
        }
    }

    /** mlp.0's global half on the H token-mean rows as the front emits them. */
    private long[] globalHalf(long[] means) {
        MatVecUnit.Shape global = shapes.global();
        int half = global.inputs();
        try (SimInstance sim = model(MatVecUnit.design(global)).newInstance()) {
            sim.reset(2);
            List<TimedRun.Arrival> in = new ArrayList<>();
            in.add(params("param", MatVecUnit.paramBeats(global, new byte[half * half], new int[half])));
            for (long t : means) {
                in.add(at("in", t + 1, 1, (8 * global.lanes() + 31) / 32));
            }
            return TimedRun.run(sim, in, Map.of("out", means.length), means[means.length - 1] + 10_000).get("out");
        }
    }

    /** The tail: the head-bias table from mlp.0's global half, the rows from the front's local accumulators. */
    private long[] back(int heads, int rows, long[] localAcc, long[] global) {
        SelectorBack.Shape back = shapes.back();
        int d = back.headDim();
        int split = shapes.front().lanes() / back.lanes(); // a front beat of L int32 is L / L' tail beats
        try (SimInstance sim = model(SelectorBack.design(back)).newInstance()) {
            sim.reset(2);
            sim.poke("heads", heads);
            List<TimedRun.Arrival> in = new ArrayList<>();
            in.add(table("gelu1_param", d / 2));
            in.add(table("gelu2_param", d / 4));
            in.add(params("mlp1_param", MatVecUnit.paramBeats(back.mlp1(), new byte[d / 2 * d / 4], new int[d / 4])));
            in.add(params("mlp2_param", MatVecUnit.paramBeats(back.mlp2(), new byte[2 * d / 4], new int[2])));
            for (long t : global) {
                in.add(at("head_bias", t + 1, split, back.lanes()));
            }
            for (long t : localAcc) {
                in.add(at("local_acc", t + 1, split, back.lanes()));
            }
            return TimedRun.run(sim, in, Map.of("diff", rows), localAcc[localAcc.length - 1] + 100_000).get("diff");
        }
    }

    /** The decision, each (token, head) beat queued once both its diff and its gate logit exist. */
    private long[] decision(int heads, int tokens, long[] diff, long[] g1) {
        try (SimInstance sim = model(DecisionUnit.design(heads)).newInstance()) {
            sim.reset(2);
            List<TimedRun.Arrival> in = new ArrayList<>();
            long latest = 0;
            for (int r = 0; r < tokens * heads; r++) {
                long t = Math.max(diff[r], g1[r]) + 1;
                latest = Math.max(latest, t);
                boolean[] last = {r % heads == heads - 1};
                in.add(new TimedRun.Arrival("in", t, new int[1][3], last));
            }
            return TimedRun.run(sim, in, Map.of("out", tokens), latest + 10_000).get("out");
        }
    }

    /** The pack: the package token at once, each token's row (from memory) once its decision exists. */
    private Map<String, long[]> pack(int dm, int tokens, boolean[] keep, long[] decisions, long packageArrives) {
        int lanes = shapes.packLanes();
        int b = dm / lanes;
        try (SimInstance sim = model(PackUnit.design(dm, SelectorUnit.tokenCapacity(tokens), lanes)).newInstance()) {
            sim.reset(2);
            sim.poke("tokens", tokens);
            sim.poke("pkg_weight_in", 0);
            List<TimedRun.Arrival> in = new ArrayList<>();
            in.add(new TimedRun.Arrival("pkg_in", packageArrives, PackUnit.packageBeats(new int[dm], lanes),
                    PackUnit.rowLast(1, b)));
            int[][] beats = PackUnit.inBeats(new int[tokens][dm], keep, new int[tokens], lanes);
            int kept = 0;
            for (int t = 0; t < tokens; t++) {
                kept += keep[t] ? 1 : 0;
                in.add(new TimedRun.Arrival("in", decisions[t] + 1, java.util.Arrays.copyOfRange(beats, t * b,
                        (t + 1) * b), PackUnit.rowLast(1, b)));
            }
            Map<String, Integer> out = new LinkedHashMap<>();
            out.put("kept", kept * b);
            out.put("pkg_out", b);
            return TimedRun.run(sim, in, out, decisions[tokens - 1] + 100_000);
        }
    }
}
