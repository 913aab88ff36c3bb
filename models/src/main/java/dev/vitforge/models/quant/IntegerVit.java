package dev.vitforge.models.quant;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.reference.ActivationObserver;
import dev.vitforge.models.reference.FloatVit;
import dev.vitforge.models.reference.ForwardResult;
import dev.vitforge.models.reference.Params;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The integer reference of the forward pass: int8 linear layers with int32 accumulation through a
 * {@link LinearExecutor}, an int32 residual stream at one shared scale, and {@link IntOps} for every
 * non-linearity. Deterministic: the same image gives the same bits on every run and machine.
 *
 * <p>Scales: linear inputs per tensor from {@link Calibration} (max-abs / 127); q, k, v likewise;
 * softmax probabilities at 1/127; the residual stream at (max residual seen) / 2^16, which leaves
 * 2^15 of int32 headroom for images larger than calibration's; GELU inputs at (max seen) / 2^14.
 *
 * <p>Token selectors ({@link IntegerSelector}, named {@code selectors.j}) run on the int32 residual
 * stream before their blocks: kept rows are copied, the package token is the last row of the stream
 * (int32 at the residual scale) with its accumulated weight P (Q15) carried alongside; it is a zero
 * row with P = 0 until something is dropped, and goes through the blocks like any token. Their
 * ranges need a calibration that saw the selectors' inputs: {@link #calibrate}.
 */
public final class IntegerVit {

    static final int RESIDUAL_BITS = 16;
    static final int GELU_IN_BITS = 14;
    static final double LN_EPS = 1e-6;

    private record Block(IntLayerNorm ln1, QuantLinear qkv, Requant[] qkvOut, Requant scoreToExp, Requant avOut,
                         QuantLinear proj, Requant[] projOut, IntLayerNorm ln2, QuantLinear fc1, Requant[] fc1Out,
                         IntOps.Gelu gelu, Requant geluOut, QuantLinear fc2, Requant[] fc2Out) {
    }

    private final Architecture arch;
    private final double residualScale;
    private final QuantLinear patchEmbed;
    private final Requant[] patchOut;
    private final int[] clsPos;
    private final Block[] blocks;
    private final IntLayerNorm norm;
    private final QuantLinear head;
    private final List<Selector> selectors;
    private final IntegerSelector[] tokenSelectors;

    private IntegerVit(Architecture arch, double residualScale, QuantLinear patchEmbed, Requant[] patchOut,
                       int[] clsPos, Block[] blocks, IntLayerNorm norm, QuantLinear head, List<Selector> selectors,
                       IntegerSelector[] tokenSelectors) {
        this.arch = arch;
        this.residualScale = residualScale;
        this.patchEmbed = patchEmbed;
        this.patchOut = patchOut;
        this.clsPos = clsPos;
        this.blocks = blocks;
        this.norm = norm;
        this.head = head;
        this.selectors = List.copyOf(selectors);
        this.tokenSelectors = tokenSelectors;
    }

    /**
     * Calibration for a model with selectors: runs {@code model} on every image recording what
     * {@link Calibration#run} records plus, for each selector j, the ranges of its float math at
     * {@code selectors.j.*} (its input is the residual stream as it enters the selector).
     * {@code weights} are the model's (the selectors' are read as {@code selectors.j.*}).
     */
    public static Calibration calibrate(FloatVit model, Function<String, Float32Tensor> weights,
                                        List<Float32Tensor> images) {
        Calibration cal = new Calibration();
        Params p = new Params(weights);
        for (Float32Tensor image : images) {
            model.forward(image, new SelectorTap(cal, model.selectors(), p, model.architecture().numHeads()));
        }
        return cal;
    }

    /** {@link #calibrate} on {@code count} seeded standard-normal images ({@link Calibration#syntheticImages}). */
    public static Calibration calibrateSynthetic(FloatVit model, Function<String, Float32Tensor> weights, int count,
                                                 long seed) {
        return calibrate(model, weights, Calibration.syntheticImages(model, count, seed));
    }

    /**
     * Forwards every point to the calibration and remembers the last residual: when block b of the
     * next selector starts (its {@code attn.qkv} point), that residual was the selector's input.
     */
    private static final class SelectorTap implements ActivationObserver {
        private final Calibration cal;
        private final List<Selector> selectors;
        private final Params params;
        private final int heads;
        private double[][] lastResidual;
        private int next;

        SelectorTap(Calibration cal, List<Selector> selectors, Params params, int heads) {
            this.cal = cal;
            this.selectors = selectors;
            this.params = params;
            this.heads = heads;
        }

        @Override
        public void observe(String point, double[][] values) {
            cal.observe(point, values);
            if (point.equals("residual")) {
                lastResidual = new double[values.length][];
                for (int r = 0; r < values.length; r++) {
                    lastResidual[r] = values[r].clone();
                }
            } else if (next < selectors.size()
                    && point.equals("blocks." + selectors.get(next).beforeBlock() + ".attn.qkv")) {
                int n = lastResidual.length - 1 - (next > 0 ? 1 : 0);
                IntegerSelector.observe("selectors." + next, Arrays.copyOfRange(lastResidual, 1, 1 + n),
                        params.withPrefix("selectors." + next + "."), heads, cal);
                next++;
            }
        }
    }

    /**
     * Quantises a model whose ranges {@code cal} recorded (from a {@link FloatVit} of the same weights).
     * With selectors, {@code cal} must come from {@link #calibrate} (it holds the selectors' ranges).
     */
    public static IntegerVit quantize(Architecture arch, List<Selector> selectors,
                                      Function<String, Float32Tensor> weights, Calibration cal) {
        for (int j = 0; j < selectors.size(); j++) {
            if (selectors.get(j).beforeBlock() >= arch.depth()
                    || (j > 0 && selectors.get(j).beforeBlock() <= selectors.get(j - 1).beforeBlock())) {
                throw new IllegalArgumentException("selectors must sit before strictly increasing blocks < depth");
            }
        }
        Params p = new Params(weights);
        int dim = arch.embedDim();
        int hidden = arch.hiddenDim();
        int d = arch.headDim();
        int ps = arch.patchSize();
        int k = arch.inChans() * ps * ps;
        double sr = Math.max(cal.maxAbs("residual"), 1e-12) / (1 << RESIDUAL_BITS);

        QuantLinear patch = QuantLinear.of("patch_embed.proj",
                p.get("patch_embed.proj.weight", dim, arch.inChans(), ps, ps), p.get("patch_embed.proj.bias", dim),
                dim, k, cal.int8Scale("patch_embed.proj"));
        double[] cls = p.get("cls_token", 1, 1, dim);
        double[] pos = p.get("pos_embed", 1, arch.tokens(), dim);
        int[] clsPos = new int[arch.tokens() * dim];
        for (int i = 0; i < clsPos.length; i++) {
            // Row 0 is CLS + pos[0]; patch rows hold pos alone, the patch embedding is added per image.
            double v = pos[i] + (i < dim ? cls[i] : 0);
            clsPos[i] = (int) Math.round(v / sr);
        }

        Block[] blocks = new Block[arch.depth()];
        for (int i = 0; i < blocks.length; i++) {
            String b = "blocks." + i + ".";
            double sQkvIn = cal.int8Scale(b + "attn.qkv");
            QuantLinear qkv = QuantLinear.of(b + "attn.qkv", p.get(b + "attn.qkv.weight", 3 * dim, dim),
                    p.get(b + "attn.qkv.bias", 3 * dim), 3 * dim, dim, sQkvIn);
            double sq = cal.int8Scale(b + "attn.q");
            double sk = cal.int8Scale(b + "attn.k");
            double sv = cal.int8Scale(b + "attn.v");
            Requant[] qkvOut = new Requant[3 * dim];
            for (int o = 0; o < qkvOut.length; o++) {
                double target = o < dim ? sq : o < 2 * dim ? sk : sv;
                qkvOut[o] = Requant.of(qkv.accScale(o) / target);
            }
            double sProjIn = cal.int8Scale(b + "attn.proj");
            QuantLinear proj = QuantLinear.of(b + "attn.proj", p.get(b + "attn.proj.weight", dim, dim),
                    p.get(b + "attn.proj.bias", dim), dim, dim, sProjIn);
            double sFc1In = cal.int8Scale(b + "mlp.fc1");
            QuantLinear fc1 = QuantLinear.of(b + "mlp.fc1", p.get(b + "mlp.fc1.weight", hidden, dim),
                    p.get(b + "mlp.fc1.bias", hidden), hidden, dim, sFc1In);
            double sGelu = Math.max(cal.maxAbs(b + "mlp.gelu"), 1e-12) / (1 << GELU_IN_BITS);
            IntOps.Gelu gelu = IntOps.Gelu.of(sGelu);
            double sFc2In = cal.int8Scale(b + "mlp.fc2");
            QuantLinear fc2 = QuantLinear.of(b + "mlp.fc2", p.get(b + "mlp.fc2.weight", dim, hidden),
                    p.get(b + "mlp.fc2.bias", dim), dim, hidden, sFc2In);
            blocks[i] = new Block(
                    IntLayerNorm.of(p.get(b + "norm1.weight", dim), p.get(b + "norm1.bias", dim), LN_EPS, sr, sQkvIn),
                    qkv, qkvOut,
                    Requant.of(sq * sk / Math.sqrt(d) / IntOps.EXP_IN_SCALE),
                    Requant.of(sv / IntOps.PROB_ONE / sProjIn),
                    proj, proj.requantTo(sr),
                    IntLayerNorm.of(p.get(b + "norm2.weight", dim), p.get(b + "norm2.bias", dim), LN_EPS, sr, sFc1In),
                    fc1, fc1.requantTo(sGelu), gelu, Requant.of(gelu.outScale() / sFc2In),
                    fc2, fc2.requantTo(sr));
        }
        double sHeadIn = cal.int8Scale("head");
        IntLayerNorm norm = IntLayerNorm.of(p.get("norm.weight", dim), p.get("norm.bias", dim), LN_EPS, sr, sHeadIn);
        QuantLinear head = QuantLinear.of("head", p.get("head.weight", arch.numClasses(), dim),
                p.get("head.bias", arch.numClasses()), arch.numClasses(), dim, sHeadIn);
        IntegerSelector[] sels = new IntegerSelector[selectors.size()];
        for (int j = 0; j < sels.length; j++) {
            String prefix = "selectors." + j + ".";
            sels[j] = IntegerSelector.quantize("selectors." + j, name -> weights.apply(prefix + name),
                    arch.numHeads(), dim, sr, cal);
        }
        return new IntegerVit(arch, sr, patch, patch.requantTo(sr), clsPos, blocks, norm, head, selectors, sels);
    }

    /** The real value of one unit of the residual stream. */
    public double residualScale() {
        return residualScale;
    }

    public ForwardResult forward(Float32Tensor image) {
        return forward(image, LinearExecutor.JAVA);
    }

    /** Pixels [C x H x W] (normalised) to dequantised logits; every matrix product goes through {@code exec}. */
    public ForwardResult forward(Float32Tensor image, LinearExecutor exec) {
        return forward(image, exec, SelectorKernels.JAVA);
    }

    /** {@link #forward(Float32Tensor, LinearExecutor)} with the selectors' non-linear kernels on {@code selectorKernels}. */
    public ForwardResult forward(Float32Tensor image, LinearExecutor exec, SelectorKernels selectorKernels) {
        return forward(image, exec, SelectorDevice.of(exec, selectorKernels));
    }

    /** {@link #forward(Float32Tensor, LinearExecutor)} with every selector step on {@code selectorDevice}. */
    public ForwardResult forward(Float32Tensor image, LinearExecutor exec, SelectorDevice selectorDevice) {
        int dim = arch.embedDim();
        double[][] patches = FloatVit.flattenPatches(image, arch);
        int k = patches[0].length;
        byte[] xq = new byte[patches.length * k];
        for (int t = 0; t < patches.length; t++) {
            for (int c = 0; c < k; c++) {
                // The one float-to-integer step of the data path: pixels onto the calibrated input scale.
                long v = Math.round(patches[t][c] / patchEmbed.inScale());
                xq[t * k + c] = (byte) Math.max(-128, Math.min(127, v));
            }
        }
        int[] emb = patchEmbed.run(exec, new Int8Tensor(new int[] {patches.length, k}, xq));
        int[][] x = new int[arch.tokens()][dim];
        for (int t = 0; t < x.length; t++) {
            for (int c = 0; c < dim; c++) {
                long v = clsPos[t * dim + c];
                if (t > 0) {
                    v += patchOut[c].toInt32(emb[(t - 1) * dim + c]);
                }
                x[t][c] = (int) Requant.saturate(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            }
        }
        List<Integer> kept = new ArrayList<>();
        // Package token: absent before the first selector, then the last row with weight pkgWeight (Q15).
        boolean hasPkg = false;
        long pkgWeight = 0;
        int sel = 0;
        for (int i = 0; i < blocks.length; i++) {
            if (sel < tokenSelectors.length && selectors.get(sel).beforeBlock() == i) {
                int n = x.length - 1 - (hasPkg ? 1 : 0);
                int[] pkg = hasPkg ? x[x.length - 1] : new int[dim];
                IntegerSelector.Step s = selectorDevice.step(tokenSelectors[sel], Arrays.copyOfRange(x, 1, 1 + n), pkg,
                        pkgWeight);
                int[][] next = new int[s.kept().length + 2][];
                next[0] = x[0];
                System.arraycopy(s.kept(), 0, next, 1, s.kept().length);
                next[next.length - 1] = s.pkg();
                x = next;
                pkgWeight = s.pkgWeight();
                hasPkg = true;
                kept.add(s.kept().length);
                sel++;
            }
            x = block(i, blocks[i], x, exec);
        }
        byte[] cls = norm.apply(x[0]);
        int[] acc = head.run(exec, new Int8Tensor(new int[] {1, dim}, cls));
        float[] logits = new float[acc.length];
        for (int o = 0; o < acc.length; o++) {
            logits[o] = (float) (acc[o] * head.accScale(o));
        }
        return new ForwardResult(logits, kept.stream().mapToInt(Integer::intValue).toArray());
    }

    private int[][] block(int i, Block b, int[][] x, LinearExecutor exec) {
        String name = "blocks." + i + ".";
        int t = x.length;
        int dim = arch.embedDim();
        int heads = arch.numHeads();
        int d = arch.headDim();

        int[] qkv = b.qkv().run(exec, layerNorm(b.ln1(), x));
        byte[] qkvq = new byte[qkv.length];
        for (int r = 0; r < t; r++) {
            for (int o = 0; o < 3 * dim; o++) {
                qkvq[r * 3 * dim + o] = b.qkvOut()[o].toInt8(qkv[r * 3 * dim + o]);
            }
        }
        byte[] ctx = new byte[t * dim];
        for (int h = 0; h < heads; h++) {
            byte[] q = new byte[t * d];
            byte[] kk = new byte[t * d];
            byte[] vt = new byte[d * t]; // v transposed, so attn · v is X · W^T like every other product
            for (int r = 0; r < t; r++) {
                for (int e = 0; e < d; e++) {
                    q[r * d + e] = qkvq[r * 3 * dim + h * d + e];
                    kk[r * d + e] = qkvq[r * 3 * dim + dim + h * d + e];
                    vt[e * t + r] = qkvq[r * 3 * dim + 2 * dim + h * d + e];
                }
            }
            int[] scores = exec.run(name + "attn.qk." + h, new Int8Tensor(new int[] {t, d}, q),
                    new Int8Tensor(new int[] {t, d}, kk)).data();
            byte[] probs = new byte[t * t];
            for (int r = 0; r < t; r++) {
                int[] row = new int[t];
                System.arraycopy(scores, r * t, row, 0, t);
                System.arraycopy(IntOps.softmax(row, b.scoreToExp()), 0, probs, r * t, t);
            }
            int[] av = exec.run(name + "attn.av." + h, new Int8Tensor(new int[] {t, t}, probs),
                    new Int8Tensor(new int[] {d, t}, vt)).data();
            for (int r = 0; r < t; r++) {
                for (int e = 0; e < d; e++) {
                    ctx[r * dim + h * d + e] = b.avOut().toInt8(av[r * d + e]);
                }
            }
        }
        int[] proj = b.proj().run(exec, new Int8Tensor(new int[] {t, dim}, ctx));
        int[][] y = addResidual(x, proj, b.projOut());

        int[] f1 = b.fc1().run(exec, layerNorm(b.ln2(), y));
        int hidden = b.fc1().outFeatures();
        byte[] g = new byte[f1.length];
        for (int r = 0; r < t; r++) {
            for (int o = 0; o < hidden; o++) {
                long in = b.fc1Out()[o].apply(f1[r * hidden + o]);
                g[r * hidden + o] = b.geluOut().toInt8(b.gelu().apply(in));
            }
        }
        int[] f2 = b.fc2().run(exec, new Int8Tensor(new int[] {t, hidden}, g));
        return addResidual(y, f2, b.fc2Out());
    }

    private static Int8Tensor layerNorm(IntLayerNorm ln, int[][] x) {
        int dim = x[0].length;
        byte[] out = new byte[x.length * dim];
        for (int r = 0; r < x.length; r++) {
            System.arraycopy(ln.apply(x[r]), 0, out, r * dim, dim);
        }
        return new Int8Tensor(new int[] {x.length, dim}, out);
    }

    /** x + requant(acc) in the shared residual scale, saturating at int32. */
    private static int[][] addResidual(int[][] x, int[] acc, Requant[] toResidual) {
        int dim = x[0].length;
        int[][] y = new int[x.length][dim];
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < dim; c++) {
                long v = (long) x[r][c] + toResidual[c].toInt32(acc[r * dim + c]);
                y[r][c] = (int) Requant.saturate(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            }
        }
        return y;
    }
}
