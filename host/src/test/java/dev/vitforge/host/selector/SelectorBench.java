package dev.vitforge.host.selector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.vitforge.host.gemm.GemmExecutor;
import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.selector.GeluUnit;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.sim.tb.TimedRun;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.reference.FloatSelector;
import dev.vitforge.models.reference.Params;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;

/**
 * The token selector at DeiT-T/S/B dimensions (197 tokens, one selector before block 3 keeping 70%,
 * blocks at 50% block density, B = 16) on the ZCU102 plan: the selector unit's kernels measured on
 * Verilator, its linear layers on the GEMM engine (the engine's cycle model, which its tests hold
 * equal to the RTL), against the planned cycles of the encoder block that follows; target: the
 * selector under 5% of that block. Then its fidelity against the float selector of SEMANTICS.md.
 * Figures go to host/target/bench/selector.txt. On only with -Dvitforge.bench=true.
 */
@EnabledIfSystemProperty(named = "vitforge.bench", matches = "true")
class SelectorBench {
    private final StringBuilder report = new StringBuilder();

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.print(line);
        report.append(line);
    }

    record Model(String name, int dim, int heads) {}

    /** A random selector of H heads of d (weights ~ N(0, 1/fan_in), LN gamma ~ 1). */
    static Function<String, Float32Tensor> randomSelector(int d, int heads, long seed) {
        Random rnd = new Random(seed);
        int hg = Math.max(1, heads / 2);
        Map<String, Float32Tensor> w = new HashMap<>();
        w.put("norm.weight", vector(rnd, d, 1.0, 0.1));
        w.put("norm.bias", vector(rnd, d, 0.0, 0.1));
        int[][] layers = {{d, d}, {d / 2, d}, {d / 4, d / 2}, {2, d / 4}, {hg, heads}, {heads, hg}};
        String[] names = {"in_proj", "mlp.0", "mlp.1", "mlp.2", "head_gate.0", "head_gate.1"};
        for (int i = 0; i < names.length; i++) {
            int out = layers[i][0];
            int in = layers[i][1];
            float[] m = new float[out * in];
            for (int j = 0; j < m.length; j++) {
                m[j] = (float) (rnd.nextGaussian() / Math.sqrt(in));
            }
            w.put(names[i] + ".weight", new Float32Tensor(new int[] {out, in}, m));
            w.put(names[i] + ".bias", vector(rnd, out, 0.0, 0.1));
        }
        return w::get;
    }

    private static Float32Tensor vector(Random rnd, int n, double mean, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (mean + sd * rnd.nextGaussian());
        }
        return Float32Tensor.vector(v);
    }

    static Float32Tensor tokens(int t, int dim, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[t * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return new Float32Tensor(new int[] {t, dim}, x);
    }

    @Test
    void selectorAgainstTheFollowingBlock() throws IOException {
        Board board = Board.named("zcu102");
        say("Token selector at DeiT dimensions: 197 tokens, selector before block 3 keeping 0.7, blocks at 50%%, "
                + "B = 16, %s at %d MHz%n", board.name(), board.clockMhz());
        for (Model model : List.of(new Model("DeiT-T", 192, 3), new Model("DeiT-S", 384, 6),
                new Model("DeiT-B", 768, 12))) {
            Architecture a = new Architecture("deit", model.dim(), 12, model.heads(), 4.0, 16, 224, 3, 1000);
            List<Selector> selectors = List.of(new Selector(3, 0.7));
            int dm = model.dim();
            ModelPlan plan = ModelPlan.plan(a, selectors, name -> {
                int[] nk = name.endsWith("qkv") ? new int[] {3 * dm, dm} : name.endsWith("fc1")
                        ? new int[] {4 * dm, dm} : name.endsWith("fc2") ? new int[] {dm, 4 * dm} : new int[] {dm, dm};
                return BlockMask.random(name.hashCode(), 0.5, 16, nk[0], nk[1]);
            }, 16, board);
            long block = 0;
            long selectorPlanned = 0;
            for (ModelPlan.LayerPlan l : plan.layers()) {
                if (l.name().startsWith("blocks.3.")) {
                    block += l.cycles() * l.count();
                }
                if (l.name().startsWith("selectors.0.")) {
                    selectorPlanned += l.cycles() * l.count();
                }
            }
            int d = model.dim() / model.heads();
            Float32Tensor x = tokens(197, model.dim(), 7);
            Function<String, Float32Tensor> w = randomSelector(d, model.heads(), 11);
            IntegerSelector q = IntegerSelector.quantize(w, model.heads(), model.dim(), List.of(x));
            SelectorUnit.Sizes sizes = new SelectorUnit.Sizes(model.dim(), model.heads(),
                    SelectorUnit.tokenCapacity(196));
            long t0 = System.nanoTime();
            SelectorUnit unit = new SelectorUnit(sizes, true);
            double built = (System.nanoTime() - t0) / 1e9;
            GemmExecutor gemm = new GemmExecutor(plan.engine(), false);
            t0 = System.nanoTime();
            IntegerSelector.Output o = q.apply(x, gemm, unit);
            double ran = (System.nanoTime() - t0) / 1e9;
            IntegerSelector.Output ref = q.apply(x);
            boolean same = java.util.Arrays.equals(o.tokensOut().data(), ref.tokensOut().data())
                    && java.util.Arrays.equals(o.pFixed(), ref.pFixed());
            long total = gemm.cycles() + unit.totalCycles();
            say("%n%s (D = %d, H = %d, d = %d; unit lanes %d; engine %d lane(s) x %d x %d):%n", model.name(),
                    model.dim(), model.heads(), d, sizes.lanes(), plan.engine().lanes(), plan.engine().rowTile(),
                    plan.engine().blockSize());
            say("  following block (blocks.3, %d tokens): %d cycles (plan)%n", plan.tokensPerBlock()[3], block);
            say("  selector linear layers on the GEMM engine: %d cycles (plan for 196 patch tokens: %d)%n",
                    gemm.cycles(), selectorPlanned);
            say("  selector unit (Verilator, measured): %d cycles = %s%n", unit.totalCycles(), unit.cyclesInOrder());
            say("  selector total %d cycles = %.1f%% of the block (target < 5%%: %s); unit alone %.1f%%, "
                    + "linear layers alone %.1f%%%n", total, 100.0 * total / block, total < 0.05 * block ? "MET"
                    : "MISSED", 100.0 * unit.totalCycles() / block, 100.0 * gemm.cycles() / block);
            say("  kept %d of 196; RTL = reference bit for bit: %s (unit built in %.1f s, simulated in %.1f s)%n",
                    o.keptCount(), same, built, ran);
            frontOverlapped(model, plan, dm, gemm, unit, block);
        }
        fidelity();
        if (!Boolean.getBoolean("vitforge.bench.noArea")) {
            area();
        }
        Path out = Path.of("target", "bench", "selector.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    /** The front half's build: d = 64, 16 lanes, in_proj at 4 inputs a cycle (256 multipliers), mlp.0 at 4 (128). */
    static final SelectorFront.Shape FRONT = new SelectorFront.Shape(64, 16, 4, 4, 12);
    private VerilatorModel frontModel;

    /**
     * The selector with its front half (LayerNorm, in_proj, GELU, mlp.0's local half) on the fused
     * {@link SelectorFront} stream, fed by the preceding block's fc2 one row tile at a time: one timed
     * Verilator run of the front's RTL with each tile's head rows queued on the cycle the tile's last Y row
     * leaves the engine (the engine model's drain times). Only what the front still does after fc2 ends
     * is exposed; the rest of the selector is as measured above,
     * less the front's share (the LayerNorm, the in_proj GELU step, the global half's token means, and the
     * in_proj and mlp.0-local products).
     */
    private void frontOverlapped(Model model, ModelPlan plan, int dm, GemmExecutor gemm, SelectorUnit unit,
                                 long block) {
        if (frontModel == null) {
            frontModel = VerilatorModel.build(DesignFiles.source(SelectorFront.design(FRONT)));
        }
        int heads = model.heads();
        int d = dm / heads;
        GemmConfig engine = plan.engine();
        int m = plan.tokensPerBlock()[2];
        BlockMask fc2 = BlockMask.random("blocks.2.fc2".hashCode(), 0.5, 16, dm, 4 * dm);
        int[] beats = GemmCycleModel.beatsPerColumn(fc2, 4 * dm);
        GemmSchedule schedule = GemmSchedule.balance(beats, engine.lanes());
        long[] drains = GemmCycleModel.tileDrains(engine, schedule, beats, m, 4 * dm);
        long fc2End = GemmCycleModel.cycles(engine, schedule, beats, m, 4 * dm);
        int patches = m - 1; // row 0 is CLS; block 2 has no package token yet
        long end = frontTimed(drains, engine.rowTile(), patches, heads);
        long exposed = Math.max(0, end - fc2End);
        long rows = (long) (m - 1) * heads;
        Map<String, Long> kernels = unit.cyclesInOrder();
        long frontUnit = kernels.get("layernorm") + GeluUnit.cycles(d, (int) rows * d, unit.sizes().lanes())
                + kernels.get("group_mean");
        long frontEngine = 0;
        for (Map<String, Object> p : gemm.products()) {
            String name = (String) p.get("name");
            if (name.endsWith("selector.in_proj") || name.endsWith("selector.mlp.0")) {
                frontEngine += ((Number) p.get("cycles")).longValue();
            }
        }
        long rest = unit.totalCycles() - frontUnit + gemm.cycles() - frontEngine;
        long total = exposed + rest;
        say("  with the fused front half (%s, %d multipliers), overlapped with blocks.2.fc2 (%d cycles, %d row "
                + "tiles):%n", FRONT.moduleName(), FRONT.multipliers(), fc2End, drains.length);
        say("    front done at cycle %d of fc2's %d (one timed Verilator run, rows queued as fc2 drains them): "
                + "exposed %d%n", end, fc2End, exposed);
        say("    the rest as measured above, less the front's share (unit %d: LayerNorm, in_proj GELU, token means; "
                + "engine %d: in_proj, mlp.0 local): unit %d + engine %d = %d cycles%n", frontUnit, frontEngine,
                unit.totalCycles() - frontUnit, gemm.cycles() - frontEngine, rest);
        say("    selector total %d cycles = %.1f%% of the block (target < 5%%: %s)%n", total, 100.0 * total / block,
                total < 0.05 * block ? "MET" : "MISSED");
    }

    /**
     * One timed run of the front's RTL on Verilator: the parameters at cycle 0, then each fc2 row
     * tile's patch tokens (H head rows each, token-major) queued on the cycle its last Y row leaves the
     * engine; returns the cycle after the front's last output (local accumulators, global half, row
     * means, token means). Values do not change the timing, so the rows are zeros.
     */
    private long frontTimed(long[] drains, int rowTile, int patches, int heads) {
        int lanes = FRONT.lanes();
        int d = FRONT.headDim();
        int rows = patches * heads;
        try (SimInstance sim = frontModel.newInstance()) {
            sim.reset(2);
            sim.poke("ln_out_mult", 1 << 30);
            sim.poke("ln_out_shift", 40);
            sim.poke("gelu_out_mult", 1 << 30);
            sim.poke("gelu_out_shift", 40);
            sim.poke("heads", heads);
            sim.poke("rows", rows);
            sim.poke("token_mean_mult", 1 << 30);
            sim.poke("token_mean_shift", 40);
            List<TimedRun.Arrival> arrivals = new ArrayList<>();
            int[][] ln = LayerNormUnit.paramBeats(new int[d], new long[d], lanes);
            arrivals.add(new TimedRun.Arrival("ln_param", 0, ln, new boolean[ln.length]));
            int[][] p1 = MatVecUnit.paramBeats(FRONT.inProj(), new byte[d * d], new int[d]);
            arrivals.add(new TimedRun.Arrival("in_proj_param", 0, p1, new boolean[p1.length]));
            boolean[] tableLast = new boolean[d];
            tableLast[d - 1] = true;
            arrivals.add(new TimedRun.Arrival("gelu_param", 0, new int[d][2], tableLast));
            int[][] p2 = MatVecUnit.paramBeats(FRONT.mlp0(), new byte[d * d / 4], new int[d / 2]);
            arrivals.add(new TimedRun.Arrival("mlp0_param", 0, p2, new boolean[p2.length]));
            for (int t = 0; t < drains.length; t++) {
                int first = Math.max(1, t * rowTile) - 1; // patch index of the tile's first patch row
                int last = Math.min(patches, (t + 1) * rowTile - 1);
                int beats = Math.max(0, last - first) * heads * d / lanes;
                if (beats > 0) {
                    arrivals.add(new TimedRun.Arrival("in", drains[t], new int[beats][lanes], new boolean[beats]));
                }
            }
            Map<String, Integer> expected = new LinkedHashMap<>();
            expected.put("local_acc", rows * d / 2 / lanes);
            expected.put("global_u", rows * d / 2 / lanes);
            expected.put("row_mean", rows);
            expected.put("global_mean", FRONT.meanBeats(heads));
            Map<String, long[]> times = TimedRun.run(sim, arrivals, expected, drains[drains.length - 1] + 100_000);
            long end = 0;
            for (long[] t : times.values()) {
                end = Math.max(end, t[t.length - 1] + 1);
            }
            return end;
        }
    }

    /** Yosys synth_xilinx cell counts of the DeiT-T unit's kernels (the estimate an open flow gives). */
    private void area() {
        SelectorUnit.Sizes sizes = new SelectorUnit.Sizes(192, 3, SelectorUnit.tokenCapacity(196));
        say("%nArea, yosys synth_xilinx, DeiT-T selector unit (D = 192, H = 3, %d lanes):%n", sizes.lanes());
        int[] total = new int[4];
        for (dev.vitforge.hwgen.ir.Design d : sizes.designs()) {
            if (d.top().name().startsWith("selector_layernorm")) {
                // Sixteen lanes of pipelined dividers keep Yosys busy for more than 25 minutes here.
                say("  %-32s skipped (Yosys takes more than 25 minutes on it)%n", d.top().name());
                continue;
            }
            long t0 = System.nanoTime();
            var r = dev.vitforge.sim.tools.Synthesis.xilinx(d, Path.of("target", "bench", "synth", d.top().name()));
            int[] c = {r.count("DSP48"), r.count("LUT"), r.count("FD"), r.count("RAMB")};
            for (int i = 0; i < 4; i++) {
                total[i] += c[i];
            }
            say("  %-32s DSP48 %5d  LUT %7d  FF %7d  BRAM %3d  (%.0f s)%n", d.top().name(), c[0], c[1], c[2], c[3],
                    (System.nanoTime() - t0) / 1e9);
        }
        say("  %-32s DSP48 %5d  LUT %7d  FF %7d  BRAM %3d%n", "total", total[0], total[1], total[2], total[3]);
    }

    /** Integer (the hardware's arithmetic) against the float selector of SEMANTICS.md on random selectors. */
    private void fidelity() {
        say("%nFidelity, integer selector (= the RTL) vs float SEMANTICS.md, 197 tokens, random selectors:%n");
        for (Model model : List.of(new Model("DeiT-T", 192, 3), new Model("DeiT-S", 384, 6),
                new Model("DeiT-B", 768, 12))) {
            int d = model.dim() / model.heads();
            long compared = 0;
            long agreed = 0;
            double worstP = 0;
            double worstCos = 1;
            int cosCases = 0;
            for (long seed = 1; seed <= 6; seed++) {
                Function<String, Float32Tensor> w = randomSelector(d, model.heads(), 100 + seed);
                Float32Tensor x = tokens(197, model.dim(), 200 + seed);
                IntegerSelector q = IntegerSelector.quantize(w, model.heads(), model.dim(), List.of(x));
                IntegerSelector.Output o = q.apply(x);
                FloatSelector.Output f = FloatSelector.apply(x, w, model.heads());
                double[][] patches = new double[196][model.dim()];
                for (int t = 0; t < 196; t++) {
                    for (int c = 0; c < model.dim(); c++) {
                        patches[t][c] = x.data()[(t + 1) * model.dim() + c];
                    }
                }
                FloatSelector.Scores s = FloatSelector.score(patches, new Params(w), model.heads());
                double max = 0;
                for (double m : s.margin()) {
                    max = Math.max(max, Math.abs(m));
                }
                boolean allSame = true;
                for (int t = 0; t < 196; t++) {
                    boolean same = f.keep().get(t + 1) == o.keep().get(t + 1);
                    allSame &= same;
                    if (Math.abs(s.margin()[t]) > 0.05 * max) {
                        compared++;
                        agreed += same ? 1 : 0;
                    }
                    worstP = Math.max(worstP, Math.abs(f.pKeep().get(t) - o.pKeep().get(t)));
                }
                int fk = f.tokens().rows() - 2;
                int ik = o.keptCount();
                if (allSame && fk < 196) {
                    worstCos = Math.min(worstCos, cosine(f.tokens().data(), o.tokens().data(), (fk + 1) * model.dim(),
                            (ik + 1) * model.dim(), model.dim()));
                    cosCases++;
                }
            }
            say("  %s: decision agreement %.4f on %d tokens with |margin| > 5%% of max; max |p_int - p_float| "
                    + "%.4f; package cosine worst %.5f over %d cases with equal decisions%n", model.name(),
                    agreed / (double) compared, compared, worstP, worstCos, cosCases);
        }
    }

    private static double cosine(float[] a, float[] b, int offA, int offB, int n) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < n; i++) {
            ab += a[offA + i] * (double) b[offB + i];
            aa += a[offA + i] * (double) a[offA + i];
            bb += b[offB + i] * (double) b[offB + i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
