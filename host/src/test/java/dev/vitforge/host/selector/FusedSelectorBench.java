package dev.vitforge.host.selector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.hwgen.selector.SelectorBack;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.hwgen.selector.SelectorGate;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.sim.tb.TimedRun;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The fused selector (not yet what {@code run} uses) against the encoder block that follows it, as
 * in {@link SelectorBench} (DeiT-T/S/B, 197 tokens, one selector before block 3, blocks at 50%, the
 * ZCU102 plan, the following block as large as the selector leaves it). Every stage is its RTL on Verilator in a {@link TimedRun}, its inputs queued on the
 * cycle the stage before handed them over (stages joined by FIFOs, so a stage never holds up the
 * one before it): the front fed by the preceding block's fc2 as its row tiles drain (the engine's
 * cycle model), the head gate by the front's row means, mlp.0's global half by the token means, the
 * tail by both, the decision by the tail's diffs and the gate's logits, the pack by the decisions.
 * The kept rows and the package token then feed the following block's qkv, whose row tiles can load
 * only once their rows exist; what the selector costs is how much later that qkv ends than if its
 * tokens had been ready when fc2 ended. Cycle 0 is fc2's first cycle. Values do not change any
 * stage's timing, so the stages run on zeros, except the pack's keep flags, which are the reference
 * selector's decisions on these tokens. Figures go to host/target/bench/fused-selector.txt.
 */
@EnabledIfSystemProperty(named = "vitforge.bench", matches = "true")
class FusedSelectorBench {
    private FusedSelectorUnit.Shapes shapes;

    private final StringBuilder report = new StringBuilder();
    private final Map<String, VerilatorModel> models = new LinkedHashMap<>();

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.print(line);
        report.append(line);
    }

    private VerilatorModel model(dev.vitforge.hwgen.ir.Design d) {
        return models.computeIfAbsent(d.top().name(), k -> VerilatorModel.build(DesignFiles.source(d)));
    }

    @Test
    void fusedSelectorAgainstTheFollowingBlock() throws IOException {
        Board board = Board.named("zcu102");
        say("Fused token selector at DeiT dimensions: 197 tokens, one random selector before block 3, blocks at 50%%, "
                + "B = 16, %s at %d MHz; the following block planned for the tokens the selector keeps; cycle 0 = the "
                + "preceding fc2's first cycle%n", board.name(), board.clockMhz());
        for (SelectorBench.Model model : List.of(new SelectorBench.Model("DeiT-T", 192, 3),
                new SelectorBench.Model("DeiT-S", 384, 6), new SelectorBench.Model("DeiT-B", 768, 12))) {
            run(board, model);
        }
        if (!Boolean.getBoolean("vitforge.bench.noArea")) {
            area(FusedSelectorUnit.Shapes.of(768, 12));
        }
        Path out = Path.of("target", "bench", "fused-selector.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    private void run(Board board, SelectorBench.Model model) {
        int dm = model.dim();
        int heads = model.heads();
        int d = dm / heads;
        shapes = FusedSelectorUnit.Shapes.of(dm, heads);
        Architecture a = new Architecture("deit", dm, 12, heads, 4.0, 16, 224, 3, 1000);
        Function<String, BlockMask> masks = name -> SelectorBench.fiftyPercent(name, dm);
        // The reference selector's decisions on these tokens: which rows the pack keeps.
        Float32Tensor x = SelectorBench.tokens(197, dm, 7);
        IntegerSelector q = IntegerSelector.quantize(SelectorBench.randomSelector(d, heads, 11), heads, dm, List.of(x));
        IntegerSelector.Output o = q.apply(x);
        int n = 196;
        int rows = n * heads;
        boolean[] keep = new boolean[n];
        int kept = 0;
        for (int t = 0; t < n; t++) {
            keep[t] = o.keep().get(t + 1) != 0;
            kept += keep[t] ? 1 : 0;
        }
        // The following block as large as this selector leaves it: the plan at the keep ratio it had.
        ModelPlan plan = SelectorBench.planKeeping(a, kept, masks, board);
        long block = SelectorBench.blockCycles(plan, 3);
        GemmConfig engine = plan.engine();
        int m = plan.tokensPerBlock()[2];

        BlockMask fc2 = masks.apply("blocks.2.fc2");
        int[] fc2Beats = GemmCycleModel.beatsPerColumn(fc2, 4 * dm);
        GemmSchedule fc2Schedule = GemmSchedule.balance(fc2Beats, engine.lanes());
        long[] drains = GemmCycleModel.tileDrains(engine, fc2Schedule, fc2Beats, m, 4 * dm);
        long fc2End = GemmCycleModel.cycles(engine, fc2Schedule, fc2Beats, m, 4 * dm);

        Map<String, long[]> front = front(drains, engine.rowTile(), n, heads);
        long[] g1 = gate(heads, front.get("row_mean"));
        long[] global = globalHalf(front.get("global_mean"));
        long[] diff = back(heads, rows, front.get("local_acc"), global);
        long[] decisions = decision(heads, n, diff, g1);
        Map<String, long[]> pack = pack(dm, n, keep, decisions);

        // The following block's qkv: rows CLS, the kept rows in order, the package token.
        int mNext = kept + 2;
        int b = dm / shapes.packLanes();
        long[] rowReady = new long[mNext];
        for (int i = 0; i < kept; i++) {
            rowReady[1 + i] = pack.get("kept")[(i + 1) * b - 1] + 1;
        }
        long[] pkgOut = pack.get("pkg_out");
        rowReady[mNext - 1] = pkgOut[pkgOut.length - 1] + 1;
        long[] xReady = new long[engine.tiles(mNext)];
        for (int r = 0; r < mNext; r++) {
            int t = r / engine.rowTile();
            xReady[t] = Math.max(xReady[t], Math.max(0, rowReady[r] - fc2End));
        }
        BlockMask qkv = masks.apply("blocks.3.qkv");
        int[] qkvBeats = GemmCycleModel.beatsPerColumn(qkv, dm);
        GemmSchedule qkvSchedule = GemmSchedule.balance(qkvBeats, engine.lanes());
        long free = GemmCycleModel.cycles(engine, qkvSchedule, qkvBeats, mNext, dm);
        long waited = GemmCycleModel.cycles(engine, qkvSchedule, qkvBeats, mNext, dm, xReady);
        long exposed = waited - free;

        say("%n%s (D = %d, H = %d, d = %d; engine %d lane(s) x %d x %d; following block %d cycles (plan)):%n",
                model.name(), dm, heads, d, engine.lanes(), engine.rowTile(), engine.blockSize(), block);
        say("  %s (%d multipliers), %s, mlp.0 global %s, %s (%d multipliers), decision, pack at %d lanes%n",
                shapes.front().moduleName(), shapes.front().multipliers(), SelectorGate.moduleName(heads),
                shapes.global(), shapes.back().moduleName(), shapes.back().multipliers(), shapes.packLanes());
        say("  fc2 of blocks.2 ends at %d; relative to that, the last output of: front %+d, head gate %+d, "
                + "mlp.0 global %+d, tail %+d, decision %+d, pack %+d%n", fc2End, last(front) - fc2End,
                g1[g1.length - 1] + 1 - fc2End, global[global.length - 1] + 1 - fc2End, diff[diff.length - 1] + 1
                - fc2End, decisions[decisions.length - 1] + 1 - fc2End, last(pack) - fc2End);
        say("  following qkv (%d rows = CLS, %d kept, package; %d row tiles): first tile's rows ready at %+d, "
                + "%d cycles instead of %d%n", mNext, kept, xReady.length, xReady[0], waited, free);
        say("  selector cost = qkv's delay %d cycles = %.1f%% of the block (target < 5%%: %s)%n", exposed,
                100.0 * exposed / block, exposed < 0.05 * block ? "MET" : "MISSED");
    }

    /**
     * Yosys synth_xilinx cell counts of every fused stage at DeiT-B's sizes (12 heads, the largest gate).
     * A stage Yosys does not finish within its 10 minutes is counted by its kernels instead.
     */
    private void area(FusedSelectorUnit.Shapes s) {
        say("%nArea, yosys synth_xilinx, the fused selector for D = %d, H = %d:%n", s.dim(), s.heads());
        SelectorFront.Shape f = s.front();
        List<List<dev.vitforge.hwgen.ir.Design>> stages = List.of(
                List.of(SelectorFront.design(f), LayerNormUnit.design(f.headDim(), f.lanes()),
                        MatVecUnit.design(f.inProj()), dev.vitforge.hwgen.selector.GeluUnit.design(f.headDim(),
                                f.lanes()), MatVecUnit.design(f.mlp0())),
                List.of(SelectorGate.design(s.heads())), List.of(MatVecUnit.design(s.global())),
                List.of(SelectorBack.design(s.back())), List.of(DecisionUnit.design(s.heads())),
                List.of(PackUnit.design(s.dim(), 256, s.packLanes())));
        int[] total = new int[4];
        for (List<dev.vitforge.hwgen.ir.Design> stage : stages) {
            if (!synthesize(stage.get(0), total, "")) {
                say("  %-40s did not finish in 10 minutes; its kernels (its own glue not counted):%n",
                        stage.get(0).top().name());
                for (dev.vitforge.hwgen.ir.Design part : stage.subList(1, stage.size())) {
                    if (!synthesize(part, total, "  ")) {
                        say("    %-38s did not finish in 10 minutes either (not counted)%n", part.top().name());
                    }
                }
            }
        }
        say("  %-40s DSP48 %5d  LUT %7d  FF %7d  BRAM %3d%n", "total", total[0], total[1], total[2], total[3]);
    }

    private boolean synthesize(dev.vitforge.hwgen.ir.Design d, int[] total, String indent) {
        long t0 = System.nanoTime();
        dev.vitforge.sim.tools.Synthesis.Report r;
        try {
            r = dev.vitforge.sim.tools.Synthesis.xilinx(d, Path.of("target", "bench", "synth", d.top().name()));
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains("did not finish")) {
                return false;
            }
            throw e;
        }
        int[] c = {r.count("DSP48"), r.count("LUT"), r.count("FD"), r.count("RAMB")};
        for (int i = 0; i < 4; i++) {
            total[i] += c[i];
        }
        say("  %s%-40s DSP48 %5d  LUT %7d  FF %7d  BRAM %3d  (%.0f s)%n", indent, d.top().name(), c[0], c[1], c[2],
                c[3], (System.nanoTime() - t0) / 1e9);
        return true;
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

    /** The front, each fc2 row tile's patch rows (H head rows a token) queued the cycle after the tile drains. */
    private Map<String, long[]> front(long[] drains, int rowTile, int patches, int heads) {
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
                int first = Math.max(1, t * rowTile) - 1; // row 0 is CLS; block 2 has no package token yet
                int last = Math.min(patches, (t + 1) * rowTile - 1);
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
    private Map<String, long[]> pack(int dm, int tokens, boolean[] keep, long[] decisions) {
        int lanes = shapes.packLanes();
        int b = dm / lanes;
        try (SimInstance sim = model(PackUnit.design(dm, SelectorUnit.tokenCapacity(tokens), lanes)).newInstance()) {
            sim.reset(2);
            sim.poke("tokens", tokens);
            sim.poke("pkg_weight_in", 0);
            List<TimedRun.Arrival> in = new ArrayList<>();
            in.add(new TimedRun.Arrival("pkg_in", 0, PackUnit.packageBeats(new int[dm], lanes),
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
