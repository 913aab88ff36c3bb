package dev.vitforge.host.selector;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.plan.GemmLayer;
import dev.vitforge.models.sparse.BlockMask;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.hwgen.selector.GeluUnit;
import dev.vitforge.hwgen.selector.GroupMeanUnit;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.hwgen.selector.SelectorCycles;
import dev.vitforge.models.quant.IntLayerNorm;
import dev.vitforge.models.quant.IntOps;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.models.quant.SelectorKernels;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The selector's non-linear kernels on the selector unit: {@code simulate} runs each call on the
 * kernel's generated RTL on Verilator and counts the cycles it measures; otherwise the Java
 * reference computes the values and each kernel's cycle model the cycles (the kernels' tests hold
 * measured and modelled cycles equal at full stream rate, so both devices report the same counts).
 * The kernels run one after another, so the unit's cycles are their sum.
 *
 * <p>Sized from the selector: D, H, d = D / H, and the most patch tokens it scores.
 */
public final class SelectorUnit implements SelectorKernels {
    /** The unit's generation parameters. */
    public record Sizes(int dim, int heads, int maxTokens, int lanes) {
        public Sizes {
            if (heads < 1 || dim % heads != 0 || maxTokens < 1) {
                throw new IllegalArgumentException("selector unit: D = " + dim + ", H = " + heads + ", max tokens "
                        + maxTokens);
            }
            if (lanes < 1 || Integer.bitCount(lanes) != 1 || (dim / heads) % lanes != 0) {
                throw new IllegalArgumentException("selector unit: " + lanes + " lanes must be a power of two "
                        + "dividing d = " + dim / heads);
            }
        }

        /** At the most lanes the kernels take: 16, or the largest power of two dividing d. */
        public Sizes(int dim, int heads, int maxTokens) {
            this(dim, heads, maxTokens, SelectorCycles.lanes(dim / heads));
        }

        /**
         * The unit a card needs at {@code lanes} (the plan's choice): D, H and every patch token (the worst
         * case, all kept), rounded up.
         */
        public static Sizes of(dev.vitforge.models.card.Architecture a, int lanes) {
            return new Sizes(a.embedDim(), a.numHeads(), tokenCapacity(a.patches()), lanes);
        }

        public int headDim() {
            return dim / heads;
        }

        /** The widest row a GELU step sees: d (in_proj) or the head gate's hidden width max(1, H/2). */
        public int geluChannels() {
            return Math.max(headDim(), Math.max(1, heads / 2));
        }

        public Design layerNorm() {
            return LayerNormUnit.design(headDim(), lanes());
        }

        public Design gelu() {
            return GeluUnit.design(geluChannels(), lanes());
        }

        public Design groupMean() {
            return GroupMeanUnit.design(lanes());
        }

        public Design decision() {
            return DecisionUnit.design(heads);
        }

        /** Every kernel's design, in a fixed order. */
        public List<Design> designs() {
            return List.of(layerNorm(), gelu(), groupMean(), decision(), pack());
        }

        public Design pack() {
            return PackUnit.design(dim, maxTokens, lanes());
        }
    }

    private static final long BUDGET_PER_BEAT = 64;

    private final Sizes sizes;
    private final boolean simulate;
    private final Map<String, Long> cycles = new LinkedHashMap<>();
    private final Map<String, Long> stepCycles = new LinkedHashMap<>();
    private List<Map<String, Object>> operations; // null: nobody asked for the per-step log
    private int steps;
    private VerilatorModel layerNorm;
    private VerilatorModel gelu;
    private VerilatorModel groupMean;
    private VerilatorModel decision;
    private VerilatorModel pack;

    public SelectorUnit(Sizes sizes, boolean simulate) {
        this.sizes = sizes;
        this.simulate = simulate;
        for (String k : new String[] {"layernorm", "gelu", "group_mean", "decision", "pack"}) {
            cycles.put(k, 0L);
        }
        if (simulate) {
            layerNorm = VerilatorModel.build(DesignFiles.source(sizes.layerNorm()));
            gelu = VerilatorModel.build(DesignFiles.source(sizes.gelu()));
            groupMean = VerilatorModel.build(DesignFiles.source(sizes.groupMean()));
            decision = VerilatorModel.build(DesignFiles.source(sizes.decision()));
            pack = VerilatorModel.build(DesignFiles.source(sizes.pack()));
        }
    }

    /**
     * The patch-token capacity the unit is generated for: n rounded up to a power of two (at least 16),
     * so nearby token counts share one build.
     */
    public static int tokenCapacity(int patches) {
        int c = 16;
        while (c < patches) {
            c *= 2;
        }
        return c;
    }

    /**
     * The selector's linear layers at the unit's capacity, dense, as the GEMM engine runs them: in_proj and
     * the MLP over n*H head rows, the head gate over n tokens.
     */
    public static List<GemmLayer> linearLayers(Sizes s, int blockSize) {
        int n = s.maxTokens();
        int d = s.headDim();
        int h = s.heads();
        int hg = Math.max(1, h / 2);
        int rows = n * h;
        return List.of(
                new GemmLayer("selector.in_proj", rows, d, d, BlockMask.full(blockSize, d, d)),
                new GemmLayer("selector.mlp.0", rows, d / 2, d / 2, BlockMask.full(blockSize, d / 2, d / 2)),
                new GemmLayer("selector.mlp.0.global", h, d - d / 2, d / 2, BlockMask.full(blockSize, d / 2, d - d / 2)),
                new GemmLayer("selector.mlp.1", rows, d / 2, d / 4, BlockMask.full(blockSize, d / 4, d / 2)),
                new GemmLayer("selector.mlp.2", rows, d / 4, 2, BlockMask.full(blockSize, 2, d / 4)),
                new GemmLayer("selector.head_gate.0", n, h, hg, BlockMask.full(blockSize, hg, h)),
                new GemmLayer("selector.head_gate.1", n, hg, h, BlockMask.full(blockSize, h, hg)));
    }

    public Sizes sizes() {
        return sizes;
    }

    /** Cycles per kernel in a fixed order, for reports. */
    public Map<String, Long> cyclesInOrder() {
        return new LinkedHashMap<>(cycles);
    }

    public long totalCycles() {
        return cycles.values().stream().mapToLong(Long::longValue).sum();
    }

    private void count(String kernel, long c) {
        cycles.merge(kernel, c, Long::sum);
        stepCycles.merge(kernel, c, Long::sum);
    }

    /**
     * Logs one entry per selector step (the pack ends a step) into {@code log}: name
     * {@code selectors.j.unit}, where it ran, its cycles and its kernels' cycles.
     */
    public SelectorUnit logInto(List<Map<String, Object>> log) {
        this.operations = log;
        return this;
    }

    private void endStep() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", "selectors." + steps + ".unit");
        r.put("where", simulate ? "selector unit (Verilator)" : "cpu reference (cycles: the selector unit's models)");
        r.put("cycles", stepCycles.values().stream().mapToLong(Long::longValue).sum());
        r.put("kernels", new LinkedHashMap<>(stepCycles));
        if (operations != null) {
            operations.add(r);
        }
        stepCycles.clear();
        steps++;
    }

    private static long run(SimInstance sim, long beats, String kernel) {
        long c = sim.run(BUDGET_PER_BEAT * beats + 10_000);
        if (c == SimInstance.BUDGET_EXHAUSTED) {
            throw new IllegalStateException("selector " + kernel + " unit did not finish within its cycle budget");
        }
        return c;
    }

    private static int[] wide64(long v) {
        return new int[] {(int) v, (int) (v >>> 32)};
    }

    private static byte[] bytes(Beats out) {
        long[] v = out.values();
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Override
    public Normalised layerNorm(IntLayerNorm ln, int[] rows, int width, Requant rowMean) {
        int n = rows.length / width;
        int lanes = sizes.lanes();
        if (!simulate) {
            count("layernorm", LayerNormUnit.cycles(width, n, lanes));
            return SelectorKernels.JAVA.layerNorm(ln, rows, width, rowMean);
        }
        try (SimInstance sim = layerNorm.newInstance()) {
            sim.reset(2);
            sim.poke("width", width);
            sim.pokeWide("eps", wide64(ln.epsInt()));
            sim.poke("out_mult", ln.out().multiplier());
            sim.poke("out_shift", ln.out().shift());
            sim.poke("mean_mult", rowMean.multiplier());
            sim.poke("mean_shift", rowMean.shift());
            int perRow = width / lanes;
            int[][] params = LayerNormUnit.paramBeats(ln.gamma(), ln.beta(), lanes);
            int[][] beats = new int[rows.length / lanes][lanes];
            for (int i = 0; i < rows.length; i++) {
                beats[i / lanes][i % lanes] = rows[i];
            }
            sim.push("param", params, new boolean[perRow]);
            sim.push("in", beats, new boolean[beats.length]);
            sim.expect("out", beats.length);
            count("layernorm", run(sim, beats.length + perRow, "layernorm"));
            Beats out = sim.pop("out");
            byte[] y = new byte[rows.length];
            byte[] means = new byte[n];
            for (int b = 0; b < out.size(); b++) {
                int[] w = out.words(b);
                for (int j = 0; j <= lanes; j++) { // byte `lanes` is the row's mean, read on its last beat
                    byte v = (byte) (w[j / 4] >>> (8 * (j % 4)));
                    if (j < lanes) {
                        y[b * lanes + j] = v;
                    } else if (b % perRow == perRow - 1) {
                        means[b / perRow] = v;
                    }
                }
            }
            return new Normalised(y, means);
        }
    }

    @Override
    public byte[] gelu(int[] acc, int width, Requant[] toGelu, IntOps.Gelu g, Requant out) {
        int lanes = sizes.lanes();
        if (!simulate) {
            count("gelu", GeluUnit.cycles(width, acc.length, lanes));
            return SelectorKernels.JAVA.gelu(acc, width, toGelu, g, out);
        }
        try (SimInstance sim = gelu.newInstance()) {
            sim.reset(2);
            sim.poke("channels", width);
            sim.pokeWide("gelu_b", wide64(g.bInt()));
            sim.pokeWide("gelu_c", wide64(g.cInt()));
            sim.poke("out_mult", out.multiplier());
            sim.poke("out_shift", out.shift());
            long[] params = new long[width];
            boolean[] last = new boolean[width];
            for (int c = 0; c < width; c++) {
                params[c] = ((long) toGelu[c].shift() << 31) | toGelu[c].multiplier();
            }
            last[width - 1] = true;
            sim.push("param", params, last);
            // L accumulators per beat; the last beat is padded with zeros, whose results are dropped.
            int[][] beats = new int[GeluUnit.beats(acc.length, lanes)][lanes];
            for (int i = 0; i < acc.length; i++) {
                beats[i / lanes][i % lanes] = acc[i];
            }
            sim.push("in", beats, new boolean[beats.length]);
            sim.expect("out", beats.length);
            count("gelu", run(sim, beats.length + width, "gelu"));
            Beats y = sim.pop("out");
            byte[] result = new byte[acc.length];
            int[] words = y.flatWords();
            for (int i = 0; i < acc.length; i++) {
                int lane = i % lanes;
                result[i] = (byte) (words[(i / lanes) * y.wordsPerBeat() + lane / 4] >>> (8 * (lane % 4)));
            }
            return result;
        }
    }

    @Override
    public byte[] groupMean(int[] values, int groupSize, Requant r) {
        int groups = values.length / groupSize;
        int lanes = sizes.lanes();
        int perGroup = GroupMeanUnit.beatsPerGroup(groupSize, lanes);
        if (!simulate) {
            count("group_mean", GroupMeanUnit.cycles((long) groups * perGroup, groups));
            return SelectorKernels.JAVA.groupMean(values, groupSize, r);
        }
        try (SimInstance sim = groupMean.newInstance()) {
            sim.reset(2);
            sim.poke("mult", r.multiplier());
            sim.poke("shift", r.shift());
            // L values per beat, each group padded with zeros to whole beats (zeros leave the sum alone).
            int[][] beats = new int[groups * perGroup][lanes];
            boolean[] last = new boolean[beats.length];
            for (int g = 0; g < groups; g++) {
                for (int i = 0; i < groupSize; i++) {
                    beats[g * perGroup + i / lanes][i % lanes] = values[g * groupSize + i];
                }
                last[g * perGroup + perGroup - 1] = true;
            }
            sim.push("in", beats, last);
            sim.expect("out", groups);
            count("group_mean", run(sim, beats.length, "group_mean"));
            return bytes(sim.pop("out"));
        }
    }

    @Override
    public Decided decide(int[] g1, long[][] diff, Requant[] gateToExp, Requant zToExp) {
        int n = diff.length;
        int heads = gateToExp.length;
        if (!simulate) {
            count("decision", DecisionUnit.cycles(n, heads));
            return SelectorKernels.JAVA.decide(g1, diff, gateToExp, zToExp);
        }
        try (SimInstance sim = decision.newInstance()) {
            sim.reset(2);
            sim.pokeWide("gate_mult", DecisionUnit.gateMultWords(gateToExp));
            sim.pokeWide("gate_shift", DecisionUnit.gateShiftWords(gateToExp));
            sim.poke("z_mult", zToExp.multiplier());
            sim.poke("z_shift", zToExp.shift());
            int[][] beats = new int[n * heads][];
            boolean[] last = new boolean[n * heads];
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < heads; h++) {
                    beats[t * heads + h] = DecisionUnit.inputBeat(diff[t][h], g1[t * heads + h]);
                }
                last[t * heads + heads - 1] = true;
            }
            sim.push("in", beats, last);
            sim.expect("out", n);
            count("decision", run(sim, (long) n * heads, "decision"));
            Beats out = sim.pop("out");
            boolean[] keep = new boolean[n];
            long[] margins = new long[n];
            int[] p = new int[n];
            for (int t = 0; t < n; t++) {
                DecisionUnit.Decision d = DecisionUnit.outputBeat(out.words(t));
                keep[t] = d.keep();
                margins[t] = d.margin();
                p[t] = d.p();
            }
            return new Decided(keep, margins, p);
        }
    }

    @Override
    public IntegerSelector.Packed pack(int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight) {
        IntegerSelector.Packed packed = packOnUnit(patches, keep, p, pkg, pkgWeight);
        endStep();
        return packed;
    }

    private IntegerSelector.Packed packOnUnit(int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight) {
        int n = patches.length;
        int dim = pkg.length;
        int lanes = sizes.lanes();
        if (n > sizes.maxTokens()) {
            throw new IllegalArgumentException("the selector unit was generated for " + sizes.maxTokens()
                    + " patch tokens, got " + n);
        }
        if (!simulate) {
            count("pack", PackUnit.cycles(dim, n, lanes));
            return SelectorKernels.JAVA.pack(patches, keep, p, pkg, pkgWeight);
        }
        int beatsPerRow = dim / lanes;
        try (SimInstance sim = pack.newInstance()) {
            queuePack(sim, patches, keep, p, pkg, pkgWeight, lanes);
            count("pack", run(sim, (long) (n + 1) * beatsPerRow + dim, "pack"));
            return packed(sim, dim, lanes);
        }
    }

    /** A pack run queued on a fresh instance of the pack unit: the package token, then the rows with keep and p. */
    static void queuePack(SimInstance sim, int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight,
                          int lanes) {
        int beatsPerRow = pkg.length / lanes;
        int kept = 0;
        for (boolean k : keep) {
            kept += k ? 1 : 0;
        }
        sim.reset(2);
        sim.poke("tokens", patches.length);
        sim.poke("pkg_weight_in", pkgWeight);
        sim.push("pkg_in", PackUnit.packageBeats(pkg, lanes), PackUnit.rowLast(1, beatsPerRow));
        sim.push("in", PackUnit.inBeats(patches, keep, p, lanes), PackUnit.rowLast(patches.length, beatsPerRow));
        sim.expect("kept", kept * beatsPerRow);
        sim.expect("pkg_out", beatsPerRow);
    }

    /** The kept rows and the new package token of a finished pack run. */
    static IntegerSelector.Packed packed(SimInstance sim, int dim, int lanes) {
        int[][] rows = PackUnit.keptRows(sim.pop("kept").words(), dim, lanes);
        return PackUnit.packageOut(sim.pop("pkg_out").words(), rows, lanes);
    }
}
