package dev.vitforge.models.quant;

import dev.vitforge.models.reference.Dense;
import dev.vitforge.models.reference.ActivationObserver;
import dev.vitforge.models.reference.Params;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.UInt8Tensor;
import java.util.List;
import java.util.function.Function;

/**
 * The SPViT token selector of SEMANTICS.md ("Token selector j") in integer arithmetic, bit-exact
 * and deterministic, built from the same parts as the rest of the integer model so hardware can
 * reuse them: every product is an int8 x int8 -> int32 GEMM through a {@link LinearExecutor}
 * (layers {@code NAME.in_proj}, {@code NAME.mlp.0/1/2}, {@code NAME.mlp.0.global}, {@code NAME.head_gate.0/1}; NAME is
 * {@code selectors.j} inside a model, {@code selector} on its own), the non-linearities are
 * {@link IntOps} (LayerNorm, I-BERT GELU, sigmoid) and every rescale is a {@link Requant}.
 *
 * <p>Data path for n patch tokens (int32 rows at the input scale s_x; CLS and the package token
 * are not scored):
 * <ol>
 * <li>per head h: {@link IntLayerNorm} (eps 1e-5) of X_h to int8; the n*H rows (head-major,
 *     row h*n + t) go through one GEMM {@code in_proj}; per-channel requant to the GELU input
 *     scale (max / 2^14); integer GELU; requant to int8 u at the {@code mlp.0} input scale.</li>
 * <li>global half: per head and channel c >= d/2, the int8 u summed over the n tokens (int32,
 *     |sum| <= 128 n) times the reciprocal of n as a Requant built at run time:
 *     e = ceil(log2 n), multiplier = floor((2^(30+e) + floor(n/2)) / n) (round half up), shift 30 + e,
 *     applied round-half-up and saturated to int8. The local half stays as it is.</li>
 * <li>{@code mlp.0} as two products, {@code NAME.mlp.0} on u's local half (n*H rows, d/2 columns, with the
 *     bias) and {@code NAME.mlp.0.global} on the H global halves (the same for every token of a head),
 *     added per head: exactly the product over [u_local, g_h] (int32 sums wrap either way) at half
 *     the MACs.</li>
 * <li>GELU -> int8 -> {@code mlp.1} -> GELU -> int8 -> {@code mlp.2}; mlp.2 has one
 *     per-tensor weight scale, so z_keep and z_drop are int32 at one known scale {@link #zScale()}
 *     and diff_h = z_keep - z_drop (int64, 33 bits) needs no rescale.</li>
 * <li>head gate: per token and head the channel sum of X_h (int64), one Requant (s_x / (d s_c)) to
 *     the int8 channel mean; {@code head_gate.0} -> GELU -> int8 -> {@code head_gate.1}; requant to
 *     {@link IntOps#EXP_IN_SCALE}; {@link IntOps#sigmoid} gives w_h in Q15 (1.0 = 32768).</li>
 * <li>margin = sum_h w_h diff_h, an exact int64 MAC (48 bits suffice); keep iff margin >= 0, so a
 *     margin of exactly 0 keeps.</li>
 * <li>p = floor((sum_h w_h s_h + floor(W/2)) / W) in Q15 with W = sum_h w_h and s_h = sigmoid(diff_h)
 *     (diff requantised to the exp input scale): the nearest integer, halves up. If every w_h is 0
 *     (sigmoid underflow), p = floor((sum_h s_h + floor(H/2)) / H).</li>
 * <li>package token: P (Q15, int64) and the rows in the input's integers. With something dropped,
 *     S_c = P x_pkg,c + sum_dropped p_t x_t,c (int64), P' = P + sum p_t and x_pkg,c = S_c / P'
 *     rounded to nearest, halves away from zero. Nothing dropped (or P' = 0) leaves x_pkg and P
 *     unchanged; before anything is dropped it is a zero row with P = 0.</li>
 * </ol>
 * Kept tokens keep their order; the caller keeps CLS.
 *
 * <p>Scales come from float calibration ({@link #observe}, run on float tokens through the float
 * selector math, into any {@link ActivationObserver} such as {@link Calibration}); the points are
 * NAME.in_proj (LayerNorm out), NAME.in_proj.out, NAME.mlp.0 (u, before the global average),
 * NAME.mlp.0.out, NAME.mlp.1, NAME.mlp.1.out, NAME.mlp.2, NAME.head_gate.0 (channel means),
 * NAME.head_gate.0.out and NAME.head_gate.1.
 */
public final class IntegerSelector {

    static final double LN_EPS = 1e-5;
    static final int GELU_IN_BITS = 14;
    /** Fraction bits of w, p and the package weight P: those of {@link IntOps#sigmoid}. */
    public static final int P_BITS = IntOps.SIGMOID_BITS;
    /** The layer-name prefix of a selector used on its own ({@code ./vitforge select}). */
    public static final String STANDALONE_NAME = "selector";
    /**
     * On its own the selector widens its int8 input by this many fraction bits (x << 8, an int32 at
     * s_in / 2^8): kept rows come back exactly, and the package token, a mean of many tokens that is
     * far smaller than the int8 range, keeps 8 more bits than an int8 row would.
     */
    public static final int STANDALONE_FRAC_BITS = 8;

    /** The integer decision for n patch tokens. */
    public record Decision(boolean[] keep, long[] margins, int[] p, long[][] diffs) {
        public int keptCount() {
            int k = 0;
            for (boolean b : keep) {
                k += b ? 1 : 0;
            }
            return k;
        }
    }

    /**
     * One selector step on integer rows: the decision, the kept rows in order, the new package token
     * (same integers as the input rows) and its accumulated weight P in Q15.
     */
    public record Step(Decision decision, int[][] kept, int[] pkg, long pkgWeight) {
    }

    /**
     * {@code ./vitforge select} in integers: keep (uint8 [T]), tokens (float32 [kept + 2 x D]: CLS, the
     * kept patch rows, the package token, dequantised), pKeep (float32 [T - 1]) as {@code FloatSelector.Output};
     * plus what a hardware test compares: the int8 tokens in [T x D] and out [kept + 2 x D] at
     * s_in = {@link #inScale()} / 2^{@value #STANDALONE_FRAC_BITS} (the package row of tokensOut rounded
     * half up to int8), the package token itself as int32 at s_in / 2^8 ({@code packageToken}, which
     * the float {@code tokens} dequantise), the int64 margins (scale {@link #marginScale()}), p in Q15
     * and P in Q15.
     */
    public record Output(UInt8Tensor keep, Float32Tensor tokens, Float32Tensor pKeep, Int8Tensor tokensIn,
                         Int8Tensor tokensOut, int[] packageToken, long[] margins, int[] pFixed, long pkgWeight,
                         int keptCount) {
    }

    private final String name;
    private final int heads;
    private final int dim;
    private final int d;
    private final double inScale;
    private final IntLayerNorm ln;
    private final QuantLinear inProj;
    private final Requant[] inProjOut;
    private final IntOps.Gelu gelu0;
    private final Requant gelu0Out;
    private final QuantLinear mlp0;
    /** mlp.0's columns for u's local half (with the bias) and for the global half (no bias); see decide(). */
    private final QuantLinear mlp0Local;
    private final QuantLinear mlp0Global;
    private final Requant[] mlp0Out;
    private final IntOps.Gelu gelu1;
    private final Requant gelu1Out;
    private final QuantLinear mlp1;
    private final Requant[] mlp1Out;
    private final IntOps.Gelu gelu2;
    private final Requant gelu2Out;
    private final QuantLinear mlp2;
    private final Requant zToExp;
    private final Requant chanMean;
    private final QuantLinear gate0;
    private final Requant[] gate0Out;
    private final IntOps.Gelu gelu3;
    private final Requant gelu3Out;
    private final QuantLinear gate1;
    private final Requant[] gate1ToExp;

    /**
     * Every quantised constant of this selector, as hardware that computes {@link #decide} in another
     * order loads them (the fused selector unit): the LayerNorm and the channel-mean factor; in_proj and
     * its per-channel requant to the first GELU; mlp.0's local half (with mlp.0's bias) and global half
     * (without); the GELUs with their input tables and output requants; mlp.1, mlp.2, the head gate's two
     * layers, and the requants onto the exp input scale.
     */
    public record Constants(int heads, int headDim, IntLayerNorm ln, Requant chanMean, QuantLinear inProj,
                            Requant[] inProjOut, IntOps.Gelu gelu0, Requant gelu0Out, QuantLinear mlp0Local,
                            QuantLinear mlp0Global, Requant[] mlp0Out, IntOps.Gelu gelu1, Requant gelu1Out,
                            QuantLinear mlp1, Requant[] mlp1Out, IntOps.Gelu gelu2, Requant gelu2Out, QuantLinear mlp2,
                            Requant zToExp, QuantLinear gate0, Requant[] gate0Out, IntOps.Gelu gelu3, Requant gelu3Out,
                            QuantLinear gate1, Requant[] gate1ToExp) {
        /** The run-time reciprocal of n the global half's token means are taken with. */
        public Requant tokenMean(int n) {
            return reciprocal(n);
        }
    }

    public Constants constants() {
        return new Constants(heads, d, ln, chanMean, inProj, inProjOut, gelu0, gelu0Out, mlp0Local, mlp0Global, mlp0Out,
                gelu1, gelu1Out, mlp1, mlp1Out, gelu2, gelu2Out, mlp2, zToExp, gate0, gate0Out, gelu3, gelu3Out, gate1,
                gate1ToExp);
    }

    private IntegerSelector(String name, int heads, int dim, double inScale, Params w, ActivationRanges cal) {
        this.name = name;
        this.heads = heads;
        this.dim = dim;
        if (dim % heads != 0 || (dim / heads) % 4 != 0) {
            throw new IllegalArgumentException("selector needs H | D and 4 | d, got D = " + dim + ", H = " + heads);
        }
        this.d = dim / heads;
        this.inScale = inScale;
        int hg = Math.max(1, heads / 2);
        String n = name + ".";
        double sLn = cal.int8(n + "in_proj");
        this.ln = IntLayerNorm.of(w.get("norm.weight", d), w.get("norm.bias", d), LN_EPS, inScale, sLn);
        this.inProj = QuantLinear.of(n + "in_proj", w.get("in_proj.weight", d, d), w.get("in_proj.bias", d), d, d,
                sLn);
        double sG0 = cal.gelu(n + "in_proj.out");
        this.inProjOut = inProj.requantTo(sG0);
        this.gelu0 = IntOps.Gelu.of(sG0);
        double sU = cal.int8(n + "mlp.0");
        this.gelu0Out = Requant.of(gelu0.outScale() / sU);
        this.mlp0 = QuantLinear.of(n + "mlp.0", w.get("mlp.0.weight", d / 2, d), w.get("mlp.0.bias", d / 2), d / 2,
                d, sU);
        double sG1 = cal.gelu(n + "mlp.0.out");
        this.mlp0Out = mlp0.requantTo(sG1);
        this.mlp0Local = columns(mlp0, n + "mlp.0", 0, d / 2, true);
        this.mlp0Global = columns(mlp0, n + "mlp.0.global", d / 2, d, false);
        this.gelu1 = IntOps.Gelu.of(sG1);
        double sM1 = cal.int8(n + "mlp.1");
        this.gelu1Out = Requant.of(gelu1.outScale() / sM1);
        this.mlp1 = QuantLinear.of(n + "mlp.1", w.get("mlp.1.weight", d / 4, d / 2), w.get("mlp.1.bias", d / 4),
                d / 4, d / 2, sM1);
        double sG2 = cal.gelu(n + "mlp.1.out");
        this.mlp1Out = mlp1.requantTo(sG2);
        this.gelu2 = IntOps.Gelu.of(sG2);
        double sM2 = cal.int8(n + "mlp.2");
        this.gelu2Out = Requant.of(gelu2.outScale() / sM2);
        this.mlp2 = perTensor(n + "mlp.2", w.get("mlp.2.weight", 2, d / 4), w.get("mlp.2.bias", 2), 2, d / 4, sM2);
        this.zToExp = Requant.of(mlp2.accScale(0) / IntOps.EXP_IN_SCALE);
        double sC = cal.int8(n + "head_gate.0");
        this.chanMean = Requant.of(inScale / (d * sC));
        this.gate0 = QuantLinear.of(n + "head_gate.0", w.get("head_gate.0.weight", hg, heads),
                w.get("head_gate.0.bias", hg), hg, heads, sC);
        double sG3 = cal.gelu(n + "head_gate.0.out");
        this.gate0Out = gate0.requantTo(sG3);
        this.gelu3 = IntOps.Gelu.of(sG3);
        double sH1 = cal.int8(n + "head_gate.1");
        this.gelu3Out = Requant.of(gelu3.outScale() / sH1);
        this.gate1 = QuantLinear.of(n + "head_gate.1", w.get("head_gate.1.weight", heads, hg),
                w.get("head_gate.1.bias", heads), heads, hg, sH1);
        this.gate1ToExp = gate1.requantTo(IntOps.EXP_IN_SCALE);
    }

    /** Activation ranges by point; int8 scales are max / 127, GELU input scales max / 2^14. */
    private record ActivationRanges(Calibration cal) {
        double int8(String point) {
            return cal.int8Scale(point);
        }

        double gelu(String point) {
            return Math.max(cal.maxAbs(point), 1e-12) / (1 << GELU_IN_BITS);
        }
    }

    /**
     * A selector used on its own ({@code ./vitforge select}): tokens come in and go out as int8 at
     * max-abs / 127 of {@code calibrationTokens} ([T x D] each, CLS in row 0, no package token), and
     * every internal scale is calibrated by running the float selector math on their patch rows.
     * {@code weights} lack the {@code selectors.{j}.} prefix; layers are named {@value #STANDALONE_NAME}.*.
     */
    public static IntegerSelector quantize(Function<String, Float32Tensor> weights, int heads, int dim,
                                           List<Float32Tensor> calibrationTokens) {
        double max = 0;
        Params p = new Params(weights);
        Calibration cal = new Calibration();
        for (Float32Tensor t : calibrationTokens) {
            if (t.rank() != 2 || t.cols() != dim) {
                throw new IllegalArgumentException("calibration tokens must be [T x " + dim + "], got "
                        + t.shapeString());
            }
            float[] f = t.data();
            for (float v : f) {
                max = Math.max(max, Math.abs(v));
            }
            observe(STANDALONE_NAME, patchRows(f, t.rows(), dim), p, heads, cal);
        }
        return quantize(STANDALONE_NAME, weights, heads, dim,
                Math.max(max, 1e-12) / 127.0 / (1 << STANDALONE_FRAC_BITS), cal);
    }

    /**
     * A selector named {@code name} whose inputs are integers at {@code inScale} (the residual stream's
     * scale inside a model), with the ranges {@code cal} recorded at {@code name.*} by {@link #observe}.
     */
    public static IntegerSelector quantize(String name, Function<String, Float32Tensor> weights, int heads, int dim,
                                           double inScale, Calibration cal) {
        if (!cal.ranges().containsKey(name + ".in_proj")) {
            throw new IllegalArgumentException("calibration has no ranges for " + name
                    + " (run the float selector math through IntegerSelector.observe, e.g. IntegerVit.calibrate)");
        }
        return new IntegerSelector(name, heads, dim, inScale, new Params(weights), new ActivationRanges(cal));
    }

    public String name() {
        return name;
    }

    /**
     * The real value of one unit of the integer rows the selector scores and packs (on its own, one
     * int8 step is 2^{@value #STANDALONE_FRAC_BITS} of these units; in a model, the residual scale).
     */
    public double inScale() {
        return inScale;
    }

    /** The real value of one unit of z_keep, z_drop and of diff_h. */
    public double zScale() {
        return mlp2.accScale(0);
    }

    /** The real value of one unit of a margin: zScale / 2^15 (w is Q15). */
    public double marginScale() {
        return zScale() / (1 << P_BITS);
    }

    public Output apply(Float32Tensor tokens) {
        return apply(tokens, LinearExecutor.JAVA);
    }

    /** {@code ./vitforge select}: tokens [T x D], CLS in row 0, no package token; products through {@code exec}. */
    public Output apply(Float32Tensor tokens, LinearExecutor exec) {
        return apply(tokens, exec, SelectorKernels.JAVA);
    }

    /** {@code ./vitforge select} with the products through {@code exec} and the non-linear kernels on {@code kernels}. */
    public Output apply(Float32Tensor tokens, LinearExecutor exec, SelectorKernels kernels) {
        return apply(tokens, SelectorDevice.of(exec, kernels));
    }

    /** {@code ./vitforge select} with the step on {@code device}. */
    public Output apply(Float32Tensor tokens, SelectorDevice device) {
        if (tokens.rank() != 2 || tokens.rows() < 1 || tokens.cols() != dim) {
            throw new IllegalArgumentException("tokens must be [T x " + dim + "] with T >= 1, got "
                    + tokens.shapeString());
        }
        int t = tokens.rows();
        float[] f = tokens.data();
        byte[] in = new byte[t * dim];
        int[][] rows = new int[t][dim];
        double int8Scale = inScale * (1 << STANDALONE_FRAC_BITS);
        for (int i = 0; i < in.length; i++) {
            // The float-to-integer step of a standalone selector: round half up onto the int8 input scale.
            long v = Math.round(f[i] / int8Scale);
            in[i] = (byte) Requant.saturate(v, -128, 127);
            rows[i / dim][i % dim] = in[i] << STANDALONE_FRAC_BITS;
        }
        int[][] patches = java.util.Arrays.copyOfRange(rows, 1, t);
        Step s = device.step(this, patches, new int[dim], 0);
        int kept = s.kept().length;
        byte[] keep = new byte[t];
        keep[0] = 1;
        for (int i = 0; i < t - 1; i++) {
            keep[i + 1] = (byte) (s.decision().keep()[i] ? 1 : 0);
        }
        byte[] out = new byte[(kept + 2) * dim];
        System.arraycopy(in, 0, out, 0, dim);
        for (int r = 0; r < kept; r++) {
            for (int c = 0; c < dim; c++) {
                out[(r + 1) * dim + c] = (byte) (s.kept()[r][c] >> STANDALONE_FRAC_BITS); // exact: x << 8 came in
            }
        }
        int half = 1 << (STANDALONE_FRAC_BITS - 1);
        for (int c = 0; c < dim; c++) {
            long v = ((long) s.pkg()[c] + half) >> STANDALONE_FRAC_BITS;
            out[(kept + 1) * dim + c] = (byte) Requant.saturate(v, -128, 127);
        }
        float[] deq = new float[out.length];
        for (int i = 0; i < (kept + 1) * dim; i++) {
            deq[i] = (float) (out[i] * int8Scale);
        }
        for (int c = 0; c < dim; c++) {
            deq[(kept + 1) * dim + c] = (float) (s.pkg()[c] * inScale);
        }
        float[] p = new float[t - 1];
        for (int i = 0; i < t - 1; i++) {
            p[i] = (float) (s.decision().p()[i] / (double) (1 << P_BITS));
        }
        return new Output(new UInt8Tensor(new int[] {t}, keep), new Float32Tensor(new int[] {kept + 2, dim}, deq),
                Float32Tensor.vector(p), new Int8Tensor(new int[] {t, dim}, in),
                new Int8Tensor(new int[] {kept + 2, dim}, out), s.pkg(), s.decision().margins(), s.decision().p(),
                s.pkgWeight(), kept);
    }

    /**
     * One selector on n patch rows (int32 at {@link #inScale()}), folding the dropped ones into the
     * package token {@code pkg} of accumulated weight {@code pkgWeight} (Q15; 0 with a zero row before
     * anything was dropped).
     */
    public Step step(int[][] patches, int[] pkg, long pkgWeight, LinearExecutor exec) {
        return step(patches, pkg, pkgWeight, exec, SelectorKernels.JAVA);
    }

    /** {@link #step} with the non-linear kernels on {@code kernels}. */
    public Step step(int[][] patches, int[] pkg, long pkgWeight, LinearExecutor exec, SelectorKernels kernels) {
        Decision dec = decide(patches, exec, kernels);
        Packed packed = kernels.pack(patches, dec.keep(), dec.p(), pkg, pkgWeight);
        return new Step(dec, packed.kept(), packed.pkg(), packed.pkgWeight());
    }

    /** The kept rows in order, and the package token with its accumulated weight P (Q15). */
    public record Packed(int[][] kept, int[] pkg, long pkgWeight) {
    }

    /**
     * The selector's packing on its own (what the hardware pack unit computes): kept rows in order;
     * S_c = P pkg_c + sum_dropped p_t x_t,c (int64), W = P + sum_dropped p_t, pkg'_c = S_c / W rounded
     * half away from zero and saturated to int32; nothing dropped, or W = 0, leaves pkg and P as they are.
     */
    public static Packed pack(int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight) {
        int n = patches.length;
        int dim = pkg.length;
        int kept = 0;
        for (boolean b : keep) {
            kept += b ? 1 : 0;
        }
        int[][] keptRows = new int[kept][];
        long[] sum = new long[dim];
        for (int c = 0; c < dim; c++) {
            sum[c] = pkgWeight * pkg[c];
        }
        long weight = pkgWeight;
        boolean dropped = false;
        int k = 0;
        for (int t = 0; t < n; t++) {
            if (keep[t]) {
                keptRows[k++] = patches[t].clone();
            } else {
                dropped = true;
                weight += p[t];
                for (int c = 0; c < dim; c++) {
                    sum[c] += (long) p[t] * patches[t][c];
                }
            }
        }
        if (!dropped || weight == 0) {
            return new Packed(keptRows, pkg.clone(), pkgWeight);
        }
        int[] next = new int[dim];
        for (int c = 0; c < dim; c++) {
            next[c] = (int) Requant.saturate(divRoundHalfAway(sum[c], weight), Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        return new Packed(keptRows, next, weight);
    }

    /** round(a / b) for b > 0, halves away from zero: sign(a) floor((|a| + floor(b/2)) / b). */
    static long divRoundHalfAway(long a, long b) {
        long q = (Math.abs(a) + b / 2) / b;
        return a < 0 ? -q : q;
    }

    /** 1/n as a Requant: multiplier floor((2^(30+e) + floor(n/2)) / n) in [2^30, 2^31), shift 30 + e, e = ceil(log2 n). */
    static Requant reciprocal(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("reciprocal of " + n);
        }
        int e = 32 - Integer.numberOfLeadingZeros(n - 1);
        long m = ((1L << (30 + e)) + n / 2) / n;
        return new Requant((int) m, 30 + e);
    }

    /** Scores n patch rows (int32 at {@link #inScale()}). */
    public Decision decide(int[][] x, LinearExecutor exec) {
        return decide(x, exec, SelectorKernels.JAVA);
    }

    /** Scores n patch rows (int32 at {@link #inScale()}), the non-linear kernels on {@code kernels}. */
    public Decision decide(int[][] x, LinearExecutor exec, SelectorKernels kernels) {
        int n = x.length;
        if (n == 0) {
            return new Decision(new boolean[0], new long[0], new int[0], new long[0][heads]);
        }
        int rows = n * heads;
        // 1. Per-head LayerNorm, head-major rows h*n + t, and in_proj on all of them at once.
        int[] segments = new int[rows * d];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) {
                System.arraycopy(x[t], h * d, segments, (h * n + t) * d, d);
            }
        }
        SelectorKernels.Normalised normalised = kernels.layerNorm(ln, segments, d, chanMean);
        int[] acc = inProj.run(exec, new Int8Tensor(new int[] {rows, d}, normalised.values()));
        byte[] v = kernels.gelu(acc, d, inProjOut, gelu0, gelu0Out);
        // 2. The global half: per head and channel, int8 sums over the n tokens times a run-time reciprocal of n.
        int half = d / 2;
        int[] globalColumns = new int[heads * (d - half) * n];
        for (int h = 0; h < heads; h++) {
            for (int c = half; c < d; c++) {
                for (int t = 0; t < n; t++) {
                    globalColumns[((h * (d - half)) + c - half) * n + t] = v[(h * n + t) * d + c];
                }
            }
        }
        byte[] means = kernels.groupMean(globalColumns, n, reciprocal(n));
        // 3. The MLP to two logits at one scale. mlp.0 sees [u_local, g_h] where g_h is the same for every
        //    token of head h, so its product splits: the local half over the n*H rows, the global half once
        //    per head (H rows), added per head. Integer sums wrap mod 2^32 either way, so this is exactly
        //    the product over [u_local, g_h], at half its MACs.
        byte[] local = new byte[rows * half];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, r * d, local, r * half, half);
        }
        int[] accLocal = mlp0Local.run(exec, new Int8Tensor(new int[] {rows, half}, local));
        int[] accGlobal = mlp0Global.run(exec, new Int8Tensor(new int[] {heads, d - half}, means));
        int m0 = mlp0.outFeatures();
        for (int r = 0; r < rows; r++) {
            int h = r / n;
            for (int o = 0; o < m0; o++) {
                accLocal[r * m0 + o] += accGlobal[h * m0 + o];
            }
        }
        byte[] a1 = kernels.gelu(accLocal, d / 2, mlp0Out, gelu1, gelu1Out);
        byte[] a2 = kernels.gelu(mlp1.run(exec, new Int8Tensor(new int[] {rows, d / 2}, a1)), d / 4, mlp1Out, gelu2,
                gelu2Out);
        int[] z = mlp2.run(exec, new Int8Tensor(new int[] {rows, d / 4}, a2));
        long[][] diff = new long[n][heads];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) {
                int r = h * n + t;
                diff[t][h] = (long) z[2 * r] - z[2 * r + 1];
            }
        }
        // 4. Head gate: per token and head the channel mean of X_h (the LayerNorm's row h*n + t), then a
        //    two-layer MLP.
        byte[] cm = new byte[n * heads];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) {
                cm[t * heads + h] = normalised.rowMeans()[h * n + t];
            }
        }
        int hg = gate0.outFeatures();
        byte[] g0 = kernels.gelu(gate0.run(exec, new Int8Tensor(new int[] {n, heads}, cm)), hg, gate0Out, gelu3,
                gelu3Out);
        int[] g1 = gate1.run(exec, new Int8Tensor(new int[] {n, hg}, g0));
        // 5-6. Margin (exact MAC, sign test) and p (one rounded divide).
        SelectorKernels.Decided dec = kernels.decide(g1, diff, gate1ToExp, zToExp);
        return new Decision(dec.keep(), dec.margins(), dec.p(), diff);
    }

    /** The input columns [from, to) of a quantised layer, with its bias or none; scales unchanged. */
    private static QuantLinear columns(QuantLinear l, String name, int from, int to, boolean withBias) {
        int out = l.outFeatures();
        int in = l.weight().cols();
        byte[] w = new byte[out * (to - from)];
        for (int o = 0; o < out; o++) {
            for (int i = from; i < to; i++) {
                w[o * (to - from) + i - from] = l.weight().data()[o * in + i];
            }
        }
        return new QuantLinear(name, new Int8Tensor(new int[] {out, to - from}, w),
                withBias ? l.bias() : new int[out], l.inScale(), l.weightScales());
    }

    /** Like {@link QuantLinear#of} but with one weight scale for the whole tensor, so all outputs share a scale. */
    static QuantLinear perTensor(String name, double[] w, double[] b, int out, int in, double inScale) {
        double max = 0;
        for (double v : w) {
            max = Math.max(max, Math.abs(v));
        }
        // All-zero weights (a selector forced to constant logits) take the scale of weights of max 1,
        // so the bias keeps 1/127 of the input step instead of a whole one.
        double s = (max > 0 ? max : 1.0) / 127.0;
        byte[] q = new byte[out * in];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / s)));
        }
        int[] bias = new int[out];
        double[] scales = new double[out];
        for (int o = 0; o < out; o++) {
            scales[o] = s;
            double bq = Math.rint(b[o] / (inScale * s));
            bias[o] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, bq));
        }
        return new QuantLinear(name, new Int8Tensor(new int[] {out, in}, q), bias, inScale, scales);
    }

    static double[][] patchRows(float[] f, int t, int dim) {
        double[][] x = new double[Math.max(0, t - 1)][dim];
        for (int r = 1; r < t; r++) {
            for (int c = 0; c < dim; c++) {
                x[r - 1][c] = f[r * dim + c];
            }
        }
        return x;
    }

    // ---- float calibration: the float selector math of FloatSelector.score, reporting its activations ----

    /**
     * Runs the float selector on n float patch rows [n x D] and reports the activation points named in
     * the class comment, prefixed {@code name.}, to {@code obs}. {@code w} names lack the prefix.
     */
    public static void observe(String name, double[][] x, Params w, int heads, ActivationObserver obs) {
        int n = x.length;
        if (n == 0) {
            return;
        }
        int dim = x[0].length;
        int d = dim / heads;
        int hg = Math.max(1, heads / 2);
        String pre = name + ".";
        double[] lnW = w.get("norm.weight", d);
        double[] lnB = w.get("norm.bias", d);
        double[] inW = w.get("in_proj.weight", d, d);
        double[] inB = w.get("in_proj.bias", d);
        double[] m0W = w.get("mlp.0.weight", d / 2, d);
        double[] m0B = w.get("mlp.0.bias", d / 2);
        double[] m1W = w.get("mlp.1.weight", d / 4, d / 2);
        double[] m1B = w.get("mlp.1.bias", d / 4);
        double[] g0W = w.get("head_gate.0.weight", hg, heads);
        double[] g0B = w.get("head_gate.0.bias", hg);
        double[][] chan = new double[n][heads];
        for (int h = 0; h < heads; h++) {
            double[][] xh = new double[n][d];
            for (int t = 0; t < n; t++) {
                System.arraycopy(x[t], h * d, xh[t], 0, d);
                double s = 0;
                for (double v : xh[t]) {
                    s += v;
                }
                chan[t][h] = s / d;
            }
            double[][] ln = Dense.layerNorm(xh, lnW, lnB, LN_EPS);
            obs.observe(pre + "in_proj", ln);
            double[][] pre0 = linear(ln, inW, inB);
            obs.observe(pre + "in_proj.out", pre0);
            double[][] u = Dense.gelu(pre0);
            obs.observe(pre + "mlp.0", u);
            Dense.averageSecondHalf(u, d, n);
            double[][] a0 = linear(u, m0W, m0B);
            obs.observe(pre + "mlp.0.out", a0);
            double[][] a1 = Dense.gelu(a0);
            obs.observe(pre + "mlp.1", a1);
            double[][] b0 = linear(a1, m1W, m1B);
            obs.observe(pre + "mlp.1.out", b0);
            obs.observe(pre + "mlp.2", Dense.gelu(b0));
        }
        obs.observe(pre + "head_gate.0", chan);
        double[][] g = linear(chan, g0W, g0B);
        obs.observe(pre + "head_gate.0.out", g);
        obs.observe(pre + "head_gate.1", Dense.gelu(g));
    }

    private static double[][] linear(double[][] x, double[] w, double[] b) {
        int out = b.length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            int in = x[t].length;
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) {
                    acc += x[t][i] * w[o * in + i];
                }
                y[t][o] = acc;
            }
        }
        return y;
    }
}
