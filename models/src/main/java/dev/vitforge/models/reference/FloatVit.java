package dev.vitforge.models.reference;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The float forward pass of SEMANTICS.md ("Forward pass") with its token selectors, in double
 * precision. Weights come by timm name and are used as given: block masks must already be
 * applied (pruned weights are simply zero).
 */
public final class FloatVit {

    static final double LN_EPS = 1e-6;

    private final Architecture arch;
    private final List<Selector> selectors;
    private final Params params;

    public FloatVit(Architecture arch, List<Selector> selectors, Function<String, Float32Tensor> weights) {
        this.arch = arch;
        this.selectors = List.copyOf(selectors);
        this.params = new Params(weights);
        for (int j = 1; j < this.selectors.size(); j++) {
            if (this.selectors.get(j).beforeBlock() <= this.selectors.get(j - 1).beforeBlock()) {
                throw new IllegalArgumentException("selectors must sit before strictly increasing blocks");
            }
        }
        for (Selector s : this.selectors) {
            if (s.beforeBlock() >= arch.depth()) {
                throw new IllegalArgumentException("selector before block " + s.beforeBlock() + " but depth is "
                        + arch.depth());
            }
        }
    }

    public Architecture architecture() {
        return arch;
    }

    public List<Selector> selectors() {
        return selectors;
    }

    public ForwardResult forward(Float32Tensor image) {
        return forward(image, ActivationObserver.NONE);
    }

    /** Pixels [C x H x W], already normalised; {@code observer} sees the activation points named there. */
    public ForwardResult forward(Float32Tensor image, ActivationObserver observer) {
        int dim = arch.embedDim();
        double[][] x = embed(image, observer);
        observer.observe("residual", x);
        List<Integer> kept = new ArrayList<>();
        // Package token state: absent before the first selector, then a row of accumulated weight pkgWeight.
        double[] pkg = null;
        double pkgWeight = 0;
        int sel = 0;
        for (int i = 0; i < arch.depth(); i++) {
            if (sel < selectors.size() && selectors.get(sel).beforeBlock() == i) {
                int n = x.length - 1 - (pkg == null ? 0 : 1);
                double[][] patches = Arrays.copyOfRange(x, 1, 1 + n);
                FloatSelector.Scores s = FloatSelector.score(patches, params.withPrefix("selectors." + sel + "."),
                        arch.numHeads());
                double[] sum = new double[dim];
                if (pkg != null) {
                    for (int c = 0; c < dim; c++) {
                        sum[c] = pkgWeight * pkg[c];
                    }
                }
                double newWeight = pkgWeight;
                List<double[]> rows = new ArrayList<>();
                rows.add(x[0]);
                for (int t = 0; t < n; t++) {
                    if (s.keep()[t]) {
                        rows.add(patches[t]);
                    } else {
                        newWeight += s.p()[t];
                        for (int c = 0; c < dim; c++) {
                            sum[c] += s.p()[t] * patches[t][c];
                        }
                    }
                }
                double[] next = new double[dim];
                if (newWeight > 0) {
                    for (int c = 0; c < dim; c++) {
                        next[c] = sum[c] / newWeight;
                    }
                }
                pkg = next;
                pkgWeight = newWeight;
                rows.add(pkg);
                x = rows.toArray(new double[0][]);
                kept.add(s.keptCount());
                sel++;
            }
            x = block(i, x, observer);
            // The package token is a token like any other from here on; it leaves the block updated.
            if (pkg != null) {
                pkg = x[x.length - 1];
            }
        }
        double[][] cls = Dense.layerNorm(new double[][] {x[0]}, params.get("norm.weight", dim),
                params.get("norm.bias", dim), LN_EPS);
        observer.observe("head", cls);
        double[][] logits = Dense.linear(cls, params.matrix("head.weight", arch.numClasses(), dim),
                params.get("head.bias", arch.numClasses()));
        float[] out = new float[arch.numClasses()];
        for (int c = 0; c < out.length; c++) {
            out[c] = (float) logits[0][c];
        }
        return new ForwardResult(out, kept.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The conv patch embedding as a GEMM on flattened patches (C, row, col order), CLS and pos_embed. */
    private double[][] embed(Float32Tensor image, ActivationObserver observer) {
        double[][] patches = flattenPatches(image, arch);
        observer.observe("patch_embed.proj", patches);
        int dim = arch.embedDim();
        double[][] emb = Dense.linear(patches, patchWeight(params, arch),
                params.get("patch_embed.proj.bias", dim));
        double[] cls = params.get("cls_token", 1, 1, dim);
        double[] pos = params.get("pos_embed", 1, arch.tokens(), dim);
        double[][] x = new double[arch.tokens()][dim];
        for (int t = 0; t < arch.tokens(); t++) {
            double[] src = t == 0 ? cls : emb[t - 1];
            for (int c = 0; c < dim; c++) {
                x[t][c] = src[c] + pos[t * dim + c];
            }
        }
        return x;
    }

    /** The conv weight [D x C x p x p] viewed as [D x C*p*p]: C order already flattens it as the patches are. */
    static double[][] patchWeight(Params params, Architecture arch) {
        int p = arch.patchSize();
        int k = arch.inChans() * p * p;
        double[] flat = params.get("patch_embed.proj.weight", arch.embedDim(), arch.inChans(), p, p);
        double[][] w = new double[arch.embedDim()][];
        for (int o = 0; o < w.length; o++) {
            w[o] = Arrays.copyOfRange(flat, o * k, (o + 1) * k);
        }
        return w;
    }

    /** Rows of C*p*p pixels, one per patch in raster order; shared with the integer model so both cut alike. */
    public static double[][] flattenPatches(Float32Tensor image, Architecture arch) {
        int c = arch.inChans();
        int size = arch.imageSize();
        int p = arch.patchSize();
        if (!Arrays.equals(image.shape(), new int[] {c, size, size})) {
            throw new IllegalArgumentException("image must be [" + c + " x " + size + " x " + size + "], got "
                    + image.shapeString());
        }
        float[] px = image.data();
        int grid = size / p;
        double[][] rows = new double[grid * grid][c * p * p];
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                double[] row = rows[gy * grid + gx];
                int k = 0;
                for (int ch = 0; ch < c; ch++) {
                    for (int dy = 0; dy < p; dy++) {
                        for (int dx = 0; dx < p; dx++) {
                            row[k++] = px[(ch * size + gy * p + dy) * size + gx * p + dx];
                        }
                    }
                }
            }
        }
        return rows;
    }

    private double[][] block(int i, double[][] x, ActivationObserver observer) {
        String b = "blocks." + i + ".";
        int dim = arch.embedDim();
        int heads = arch.numHeads();
        int d = arch.headDim();
        int hidden = arch.hiddenDim();
        int t = x.length;

        double[][] h = Dense.layerNorm(x, params.get(b + "norm1.weight", dim), params.get(b + "norm1.bias", dim),
                LN_EPS);
        observer.observe(b + "attn.qkv", h);
        double[][] qkv = Dense.linear(h, params.matrix(b + "attn.qkv.weight", 3 * dim, dim),
                params.get(b + "attn.qkv.bias", 3 * dim));
        observer.observe(b + "attn.q", Dense.columns(qkv, 0, dim));
        observer.observe(b + "attn.k", Dense.columns(qkv, dim, dim));
        observer.observe(b + "attn.v", Dense.columns(qkv, 2 * dim, dim));
        double[][] ctx = new double[t][dim];
        double scale = 1.0 / Math.sqrt(d);
        for (int hd = 0; hd < heads; hd++) {
            int qo = hd * d;
            int ko = dim + hd * d;
            int vo = 2 * dim + hd * d;
            for (int r = 0; r < t; r++) {
                double[] s = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < t; c++) {
                    double acc = 0;
                    for (int e = 0; e < d; e++) {
                        acc += qkv[r][qo + e] * qkv[c][ko + e];
                    }
                    s[c] = acc * scale;
                    max = Math.max(max, s[c]);
                }
                double sum = 0;
                for (int c = 0; c < t; c++) {
                    s[c] = Math.exp(s[c] - max);
                    sum += s[c];
                }
                for (int c = 0; c < t; c++) {
                    double pr = s[c] / sum;
                    for (int e = 0; e < d; e++) {
                        ctx[r][qo + e] += pr * qkv[c][vo + e];
                    }
                }
            }
        }
        observer.observe(b + "attn.proj", ctx);
        double[][] proj = Dense.linear(ctx, params.matrix(b + "attn.proj.weight", dim, dim),
                params.get(b + "attn.proj.bias", dim));
        double[][] y = Dense.copy(x);
        add(y, proj);
        observer.observe("residual", y);

        h = Dense.layerNorm(y, params.get(b + "norm2.weight", dim), params.get(b + "norm2.bias", dim), LN_EPS);
        observer.observe(b + "mlp.fc1", h);
        double[][] f1 = Dense.linear(h, params.matrix(b + "mlp.fc1.weight", hidden, dim),
                params.get(b + "mlp.fc1.bias", hidden));
        observer.observe(b + "mlp.gelu", f1);
        double[][] g = Dense.gelu(f1);
        observer.observe(b + "mlp.fc2", g);
        double[][] f2 = Dense.linear(g, params.matrix(b + "mlp.fc2.weight", dim, hidden),
                params.get(b + "mlp.fc2.bias", dim));
        add(y, f2);
        observer.observe("residual", y);
        return y;
    }

    private static void add(double[][] y, double[][] delta) {
        for (int r = 0; r < y.length; r++) {
            for (int c = 0; c < y[r].length; c++) {
                y[r][c] += delta[r][c];
            }
        }
    }
}
