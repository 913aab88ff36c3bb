package dev.vitforge.host.selector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.FusedSelector.Shapes;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.hwgen.selector.SelectorBack;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.hwgen.selector.SelectorGate;
import dev.vitforge.models.quant.IntLayerNorm;
import dev.vitforge.models.quant.IntOps;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.quant.LinearExecutor;
import dev.vitforge.models.quant.SelectorDevice;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * One selector step on the fused selector ({@link FusedSelector}): with {@code simulate}, on its RTL
 * on Verilator, the front (LayerNorm, in_proj, GELU, mlp.0's local half, the token means), the head
 * gate, mlp.0's global half, the tail (GELU, mlp.1, GELU, mlp.2), the decision and the pack, each stage
 * fed the stage before's outputs, counting the cycles each takes; otherwise the integer reference
 * computes the step and {@link FusedSelector#stageCycles} the cycles (the stages' tests and
 * FusedSelectorUnitTest hold the RTL to those models, so both devices report the same counts). On the
 * RTL it computes {@link IntegerSelector#step} bit for bit from the selector's
 * {@link IntegerSelector.Constants}, in the hardware's order: head rows token by token, mlp.0's bias
 * with the global half.
 */
public final class FusedSelectorUnit implements SelectorDevice {
    private static final long BUDGET_PER_ROW = 10_000;

    private final Shapes shapes;
    private final int maxTokens;
    private final boolean simulate;
    private final Map<String, Long> cycles = new LinkedHashMap<>();
    private final List<boolean[]> decisions = new ArrayList<>();
    private Map<String, Long> stepCycles;
    private List<Map<String, Object>> operations; // null: nobody asked for the per-step log
    private int steps;
    private VerilatorModel front;
    private VerilatorModel gate;
    private VerilatorModel global;
    private VerilatorModel back;
    private VerilatorModel decision;
    private VerilatorModel pack;

    /** On the RTL at 4 lanes, for D, H and up to {@code maxTokens} patch tokens (the pack's capacity is rounded up). */
    public FusedSelectorUnit(int dim, int heads, int maxTokens) {
        this(Shapes.of(dim, heads), maxTokens, true);
    }

    public FusedSelectorUnit(Shapes shapes, int maxTokens, boolean simulate) {
        this.shapes = shapes;
        this.maxTokens = SelectorUnit.tokenCapacity(maxTokens);
        this.simulate = simulate;
        FusedSelector.STAGES.forEach(k -> cycles.put(k, 0L));
        if (simulate) {
            List<VerilatorModel> m = FusedSelector.designs(shapes, this.maxTokens).stream()
                    .map(d -> VerilatorModel.build(DesignFiles.source(d))).toList();
            front = m.get(0);
            gate = m.get(1);
            global = m.get(2);
            back = m.get(3);
            decision = m.get(4);
            pack = m.get(5);
        }
    }

    public Shapes shapes() {
        return shapes;
    }

    /**
     * Logs one entry per selector step into {@code log}: name {@code selectors.j.fused}, where it ran, its
     * cycles and its stages' cycles.
     */
    public FusedSelectorUnit logInto(List<Map<String, Object>> log) {
        this.operations = log;
        return this;
    }

    /** Cycles per stage over every step so far, in {@link FusedSelector#STAGES} order. */
    public Map<String, Long> cyclesInOrder() {
        return new LinkedHashMap<>(cycles);
    }

    public long totalCycles() {
        return cycles.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Each step's keep decisions so far, in order (what the timing of its overlap depends on). */
    public List<boolean[]> decisions() {
        return List.copyOf(decisions);
    }

    @Override
    public IntegerSelector.Step step(IntegerSelector selector, int[][] patches, int[] pkg, long pkgWeight) {
        IntegerSelector.Step s;
        if (simulate) {
            s = step(selector.constants(), patches, pkg, pkgWeight);
        } else {
            check(patches.length);
            stepCycles = FusedSelector.stageCycles(shapes, patches.length);
            s = selector.step(patches, pkg, pkgWeight, LinearExecutor.JAVA);
            endStep();
        }
        decisions.add(s.decision().keep());
        return s;
    }

    private void check(int n) {
        if (n > maxTokens) {
            throw new IllegalArgumentException("fused selector: " + n + " patch rows, built for up to " + maxTokens);
        }
    }

    private void endStep() {
        stepCycles.forEach((k, v) -> cycles.merge(k, v, Long::sum));
        if (operations != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", "selectors." + steps + ".fused");
            r.put("where", simulate ? "fused selector (Verilator)" : "cpu reference (cycles: the fused selector's models)");
            r.put("cycles", stepCycles.values().stream().mapToLong(Long::longValue).sum());
            r.put("stages", new LinkedHashMap<>(stepCycles));
            operations.add(r);
        }
        steps++;
    }

    /** {@link IntegerSelector#step} on the fused RTL: n patch rows (int32), the package token and its weight. */
    public IntegerSelector.Step step(IntegerSelector.Constants k, int[][] patches, int[] pkg, long pkgWeight) {
        int n = patches.length;
        int heads = shapes.heads();
        check(n);
        stepCycles = new LinkedHashMap<>();
        FusedSelector.STAGES.forEach(st -> stepCycles.put(st, 0L));
        if (n == 0) { // nothing to score: only the pack runs, passing the package token on
            IntegerSelector.Packed packed = pack(patches, new boolean[0], new int[0], pkg, pkgWeight);
            endStep();
            return new IntegerSelector.Step(new IntegerSelector.Decision(new boolean[0], new long[0], new int[0],
                    new long[0][heads]), packed.kept(), packed.pkg(), packed.pkgWeight());
        }
        int rows = n * heads;
        Front f = front(k, patches);
        int[] g1 = gate(k, f.rowMeans(), rows);
        int[] headBias = global(k, f.tokenMeans());
        long[] diff = back(k, f.localAcc(), headBias, rows);
        boolean[] keep = new boolean[n];
        int[] p = new int[n];
        long[] margins = new long[n];
        long[][] diffs = new long[n][heads];
        try (SimInstance sim = decision.newInstance()) {
            sim.reset(2);
            sim.pokeWide("gate_mult", DecisionUnit.gateMultWords(k.gate1ToExp()));
            sim.pokeWide("gate_shift", DecisionUnit.gateShiftWords(k.gate1ToExp()));
            sim.poke("z_mult", k.zToExp().multiplier());
            sim.poke("z_shift", k.zToExp().shift());
            int[][] in = new int[rows][];
            boolean[] last = new boolean[rows];
            for (int r = 0; r < rows; r++) {
                in[r] = DecisionUnit.inputBeat(diff[r], g1[r]);
                last[r] = r % heads == heads - 1;
                diffs[r / heads][r % heads] = diff[r];
            }
            sim.push("in", in, last);
            sim.expect("out", n);
            finish(sim, rows, "decision");
            Beats out = sim.pop("out");
            for (int t = 0; t < n; t++) {
                DecisionUnit.Decision dec = DecisionUnit.outputBeat(out.words(t));
                keep[t] = dec.keep();
                p[t] = dec.p();
                margins[t] = dec.margin();
            }
        }
        IntegerSelector.Packed packed = pack(patches, keep, p, pkg, pkgWeight);
        endStep();
        return new IntegerSelector.Step(new IntegerSelector.Decision(keep, margins, p, diffs), packed.kept(),
                packed.pkg(), packed.pkgWeight());
    }

    private record Front(int[] localAcc, byte[] rowMeans, byte[] tokenMeans) {}

    private Front front(IntegerSelector.Constants k, int[][] patches) {
        SelectorFront.Shape s = shapes.front();
        int lanes = s.lanes();
        int d = s.headDim();
        int heads = shapes.heads();
        int rows = patches.length * heads;
        IntLayerNorm ln = k.ln();
        try (SimInstance sim = front.newInstance()) {
            sim.reset(2);
            sim.pokeWide("ln_eps", wide64(ln.epsInt()));
            sim.poke("ln_out_mult", ln.out().multiplier());
            sim.poke("ln_out_shift", ln.out().shift());
            sim.poke("ln_mean_mult", k.chanMean().multiplier());
            sim.poke("ln_mean_shift", k.chanMean().shift());
            gelu(sim, "gelu", k.gelu0(), k.gelu0Out(), k.inProjOut());
            sim.poke("heads", heads);
            sim.poke("rows", rows);
            Requant mean = k.tokenMean(patches.length);
            sim.poke("token_mean_mult", mean.multiplier());
            sim.poke("token_mean_shift", mean.shift());
            int[][] lnParams = LayerNormUnit.paramBeats(ln.gamma(), ln.beta(), lanes);
            sim.push("ln_param", lnParams, new boolean[lnParams.length]);
            push(sim, "in_proj_param", MatVecUnit.paramBeats(s.inProj(), k.inProj().weight().data(), k.inProj().bias()));
            push(sim, "mlp0_param", MatVecUnit.paramBeats(s.mlp0(), k.mlp0Local().weight().data(), new int[d / 2]));
            int[][] in = new int[rows * d / lanes][lanes];
            for (int t = 0; t < patches.length; t++) {
                for (int c = 0; c < heads * d; c++) { // token-major head rows: row t H + h is x[t][h d .. h d + d)
                    int i = t * heads * d + c;
                    in[i / lanes][i % lanes] = patches[t][c];
                }
            }
            push(sim, "in", in);
            int halfBeats = d / 2 / lanes;
            sim.expect("local_acc", rows * halfBeats);
            sim.expect("global_u", rows * halfBeats);
            sim.expect("row_mean", rows);
            sim.expect("global_mean", s.meanBeats(heads));
            finish(sim, rows, "front");
            int[] local = sim.pop("local_acc").flatWords();
            sim.pop("global_u");
            long[] means = sim.pop("row_mean").values();
            byte[] rowMeans = new byte[rows];
            for (int r = 0; r < rows; r++) {
                rowMeans[r] = (byte) means[r];
            }
            return new Front(local, rowMeans, bytes(sim.pop("global_mean"), lanes));
        }
    }

    /** The head gate on the front's row means (token-major, H a token): g1 per (token, head). */
    private int[] gate(IntegerSelector.Constants k, byte[] rowMeans, int rows) {
        int heads = shapes.heads();
        try (SimInstance sim = gate.newInstance()) {
            sim.reset(2);
            gelu(sim, "gelu", k.gelu3(), k.gelu3Out(), k.gate0Out());
            push(sim, "gate0_param", MatVecUnit.paramBeats(SelectorGate.gate0(heads), k.gate0().weight().data(),
                    k.gate0().bias()));
            push(sim, "gate1_param", MatVecUnit.paramBeats(SelectorGate.gate1(heads), k.gate1().weight().data(),
                    k.gate1().bias()));
            long[] in = new long[rows];
            for (int r = 0; r < rows; r++) {
                in[r] = rowMeans[r] & 0xFF;
            }
            sim.push("row_mean", in);
            sim.expect("g1", rows);
            finish(sim, rows, "gate");
            long[] v = sim.pop("g1").values();
            int[] g1 = new int[rows];
            for (int r = 0; r < rows; r++) {
                g1[r] = (int) v[r];
            }
            return g1;
        }
    }

    /** mlp.0's global half with mlp.0's bias, on the H token-mean rows: the tail's per-head bias table. */
    private int[] global(IntegerSelector.Constants k, byte[] tokenMeans) {
        MatVecUnit.Shape s = shapes.global();
        int heads = shapes.heads();
        try (SimInstance sim = global.newInstance()) {
            sim.reset(2);
            push(sim, "param", MatVecUnit.paramBeats(s, k.mlp0Global().weight().data(), k.mlp0Local().bias()));
            int lanes = s.lanes();
            int[][] in = new int[tokenMeans.length / lanes][(8 * lanes + 31) / 32];
            for (int i = 0; i < tokenMeans.length; i++) {
                int lane = i % lanes;
                in[i / lanes][lane / 4] |= (tokenMeans[i] & 0xFF) << (8 * (lane % 4));
            }
            push(sim, "in", in);
            sim.expect("out", heads * s.outBeats());
            finish(sim, heads, "global");
            return sim.pop("out").flatWords(); // H rows of d/2 int32, lanes = d/2 per row (outBeats x L, no padding)
        }
    }

    /** The tail on the front's local accumulators and the head-bias table: z_keep - z_drop per head row. */
    private long[] back(IntegerSelector.Constants k, int[] localAcc, int[] headBias, int rows) {
        SelectorBack.Shape s = shapes.back();
        int lanes = s.lanes();
        try (SimInstance sim = back.newInstance()) {
            sim.reset(2);
            sim.poke("heads", shapes.heads());
            gelu(sim, "gelu1", k.gelu1(), k.gelu1Out(), k.mlp0Out());
            gelu(sim, "gelu2", k.gelu2(), k.gelu2Out(), k.mlp1Out());
            push(sim, "mlp1_param", MatVecUnit.paramBeats(s.mlp1(), k.mlp1().weight().data(), k.mlp1().bias()));
            push(sim, "mlp2_param", MatVecUnit.paramBeats(s.mlp2(), k.mlp2().weight().data(), k.mlp2().bias()));
            push(sim, "head_bias", lanes(headBias, lanes));
            push(sim, "local_acc", lanes(localAcc, lanes));
            sim.expect("diff", rows);
            finish(sim, rows, "tail");
            return sim.pop("diff").values();
        }
    }

    private IntegerSelector.Packed pack(int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight) {
        try (SimInstance sim = pack.newInstance()) {
            SelectorUnit.queuePack(sim, patches, keep, p, pkg, pkgWeight, shapes.packLanes());
            finish(sim, patches.length, "pack");
            return SelectorUnit.packed(sim, shapes.dim(), shapes.packLanes());
        }
    }

    /** A GELU stage's constants on ports {@code <p>_b/_c/_out_mult/_out_shift} and its table on {@code <p>_param}. */
    private static void gelu(SimInstance sim, String p, IntOps.Gelu g, Requant out, Requant[] toGelu) {
        sim.pokeWide(p + "_b", wide64(g.bInt()));
        sim.pokeWide(p + "_c", wide64(g.cInt()));
        sim.poke(p + "_out_mult", out.multiplier());
        sim.poke(p + "_out_shift", out.shift());
        long[] entries = new long[toGelu.length];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = (long) toGelu[i].shift() << 31 | toGelu[i].multiplier();
        }
        sim.push(p + "_param", entries);
    }

    private static void push(SimInstance sim, String stream, int[][] beats) {
        sim.push(stream, beats, new boolean[beats.length]);
    }

    /** Runs a stage until its outputs are out, counting its cycles under {@code stage}. */
    private void finish(SimInstance sim, int rows, String stage) {
        long c = sim.run(BUDGET_PER_ROW * (rows + 10));
        if (c == SimInstance.BUDGET_EXHAUSTED) {
            throw new IllegalStateException("fused selector: the " + stage + " stage did not finish within its cycle "
                    + "budget");
        }
        stepCycles.merge(stage, c, Long::sum);
    }

    /** int32 values, L per beat. */
    private static int[][] lanes(int[] values, int lanes) {
        int[][] beats = new int[values.length / lanes][lanes];
        for (int i = 0; i < values.length; i++) {
            beats[i / lanes][i % lanes] = values[i];
        }
        return beats;
    }

    private static byte[] bytes(Beats beats, int lanes) {
        byte[] out = new byte[beats.size() * lanes];
        for (int b = 0; b < beats.size(); b++) {
            int[] w = beats.words(b);
            for (int j = 0; j < lanes; j++) {
                out[b * lanes + j] = (byte) (w[j / 4] >>> (8 * (j % 4)));
            }
        }
        return out;
    }

    private static int[] wide64(long v) {
        return new int[] {(int) v, (int) (v >>> 32)};
    }
}
