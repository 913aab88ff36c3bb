package dev.vitforge.host.selector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.vitforge.host.gemm.GemmExecutor;
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

    /** The bench's masks: 50% of 16 x 16 blocks at random, seeded by the layer's name. */
    static BlockMask fiftyPercent(String name, int dm) {
        int[] nk = name.endsWith("qkv") ? new int[] {3 * dm, dm} : name.endsWith("fc1") ? new int[] {4 * dm, dm}
                : name.endsWith("fc2") ? new int[] {dm, 4 * dm} : new int[] {dm, dm};
        return BlockMask.random(name.hashCode(), 0.5, 16, nk[0], nk[1]);
    }

    /**
     * The plan with one selector before block 3 at the keep ratio that leaves {@code kept} of the 196
     * patches, so the following block is as large as the selector really leaves it.
     */
    static ModelPlan planKeeping(Architecture a, int kept, Function<String, BlockMask> masks, Board board) {
        ModelPlan plan = ModelPlan.plan(a, List.of(new Selector(3, kept / 196.0)), masks::apply, 16, board);
        if (plan.tokensPerBlock()[3] != kept + 2) {
            throw new IllegalStateException("plan keeps " + plan.tokensPerBlock()[3] + " tokens, the selector "
                    + (kept + 2));
        }
        return plan;
    }

    /** The planned cycles of encoder block j's products. */
    static long blockCycles(ModelPlan plan, int j) {
        long block = 0;
        for (ModelPlan.LayerPlan l : plan.layers()) {
            if (l.name().startsWith("blocks." + j + ".")) {
                block += l.cycles() * l.count();
            }
        }
        return block;
    }

    @Test
    void selectorAgainstTheFollowingBlock() throws IOException {
        Board board = Board.named("zcu102");
        say("Token selector at DeiT dimensions: 197 tokens, one random selector before block 3, blocks at 50%%, "
                + "B = 16, %s at %d MHz; the following block planned for the tokens the selector keeps%n", board.name(),
                board.clockMhz());
        for (Model model : List.of(new Model("DeiT-T", 192, 3), new Model("DeiT-S", 384, 6),
                new Model("DeiT-B", 768, 12))) {
            Architecture a = new Architecture("deit", model.dim(), 12, model.heads(), 4.0, 16, 224, 3, 1000);
            int dm = model.dim();
            int d = model.dim() / model.heads();
            Float32Tensor x = tokens(197, model.dim(), 7);
            Function<String, Float32Tensor> w = randomSelector(d, model.heads(), 11);
            IntegerSelector q = IntegerSelector.quantize(w, model.heads(), model.dim(), List.of(x));
            int kept = q.apply(x).keptCount();
            ModelPlan plan = planKeeping(a, kept, name -> fiftyPercent(name, dm), board);
            long block = blockCycles(plan, 3);
            long selectorPlanned = 0;
            for (ModelPlan.LayerPlan l : plan.layers()) {
                if (l.name().startsWith("selectors.0.")) {
                    selectorPlanned += l.cycles() * l.count();
                }
            }
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
        }
        fidelity();
        if (!Boolean.getBoolean("vitforge.bench.noArea")) {
            area();
        }
        Path out = Path.of("target", "bench", "selector.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
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
