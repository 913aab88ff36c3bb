package dev.vitforge.models.reference;

import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.UInt8Tensor;
import java.util.function.Function;

/**
 * The SPViT token selector of SEMANTICS.md ("Token selector j"), in double precision: scores
 * the patch tokens, decides keep/drop by the sign of the head-weighted margin, and folds the
 * dropped tokens into the p-weighted package token.
 */
public final class FloatSelector {

    static final double LN_EPS = 1e-5;

    /** What the selector says about n patch tokens: the decision, p_t, and the margin sum_h w_h (z_keep - z_drop). */
    public record Scores(boolean[] keep, double[] p, double[] margin) {
        public int keptCount() {
            int k = 0;
            for (boolean b : keep) {
                k += b ? 1 : 0;
            }
            return k;
        }
    }

    /** The output of {@code ./vitforge select}: keep (uint8 [T]), tokens [kept + 1 x D] ending in the package token, p [T - 1]. */
    public record Output(UInt8Tensor keep, Float32Tensor tokens, Float32Tensor pKeep) {
    }

    private FloatSelector() {
    }

    /**
     * {@code ./vitforge select} on its own: {@code tokens} [T x D] with CLS in row 0 and no package
     * token; {@code weights} holds the selector's tensors without the {@code selectors.{j}.} prefix.
     */
    public static Output apply(Float32Tensor tokens, Function<String, Float32Tensor> weights, int heads) {
        if (tokens.rank() != 2 || tokens.rows() < 1) {
            throw new IllegalArgumentException("tokens must be [T x D] with T >= 1, got " + tokens.shapeString());
        }
        int t = tokens.rows();
        int dim = tokens.cols();
        float[] f = tokens.data();
        double[][] patches = new double[t - 1][dim];
        for (int r = 1; r < t; r++) {
            for (int c = 0; c < dim; c++) {
                patches[r - 1][c] = f[r * dim + c];
            }
        }
        Scores s = score(patches, new Params(weights), heads);
        int kept = s.keptCount();
        byte[] keep = new byte[t];
        keep[0] = 1;
        float[] out = new float[(kept + 2) * dim];
        System.arraycopy(f, 0, out, 0, dim);
        double[] pkgSum = new double[dim];
        double pSum = 0;
        int row = 1;
        for (int i = 0; i < t - 1; i++) {
            if (s.keep()[i]) {
                keep[i + 1] = 1;
                System.arraycopy(f, (i + 1) * dim, out, row * dim, dim);
                row++;
            } else {
                pSum += s.p()[i];
                for (int c = 0; c < dim; c++) {
                    pkgSum[c] += s.p()[i] * patches[i][c];
                }
            }
        }
        for (int c = 0; c < dim && pSum > 0; c++) {
            out[row * dim + c] = (float) (pkgSum[c] / pSum);
        }
        float[] p = new float[t - 1];
        for (int i = 0; i < t - 1; i++) {
            p[i] = (float) s.p()[i];
        }
        return new Output(new UInt8Tensor(new int[] {t}, keep), new Float32Tensor(new int[] {kept + 2, dim}, out),
                Float32Tensor.vector(p));
    }

    /** Scores n patch tokens [n x D] (no CLS, no package token); {@code w} names lack the {@code selectors.{j}.} prefix. */
    public static Scores score(double[][] x, Params w, int heads) {
        int n = x.length;
        if (n == 0) {
            return new Scores(new boolean[0], new double[0], new double[0]);
        }
        int dim = x[0].length;
        if (dim % heads != 0) {
            throw new IllegalArgumentException(heads + " heads do not divide D = " + dim);
        }
        int d = dim / heads;
        int hg = Math.max(1, heads / 2);
        double[] lnW = w.get("norm.weight", d);
        double[] lnB = w.get("norm.bias", d);
        double[][] inW = w.matrix("in_proj.weight", d, d);
        double[] inB = w.get("in_proj.bias", d);
        double[][] m0W = w.matrix("mlp.0.weight", d / 2, d);
        double[] m0B = w.get("mlp.0.bias", d / 2);
        double[][] m1W = w.matrix("mlp.1.weight", d / 4, d / 2);
        double[] m1B = w.get("mlp.1.bias", d / 4);
        double[][] m2W = w.matrix("mlp.2.weight", 2, d / 4);
        double[] m2B = w.get("mlp.2.bias", 2);
        double[][] g0W = w.matrix("head_gate.0.weight", hg, heads);
        double[] g0B = w.get("head_gate.0.bias", hg);
        double[][] g1W = w.matrix("head_gate.1.weight", heads, hg);
        double[] g1B = w.get("head_gate.1.bias", heads);

        double[][] diff = new double[n][heads];
        double[][] chanMean = new double[n][heads];
        for (int h = 0; h < heads; h++) {
            double[][] xh = Dense.columns(x, h * d, d);
            for (int t = 0; t < n; t++) {
                double s = 0;
                for (double v : xh[t]) {
                    s += v;
                }
                chanMean[t][h] = s / d;
            }
            double[][] u = Dense.gelu(Dense.linear(Dense.layerNorm(xh, lnW, lnB, LN_EPS), inW, inB));
            // The global half: the second d/2 channels averaged over the tokens being scored.
            Dense.averageSecondHalf(u, d, n);
            double[][] z = Dense.linear(Dense.gelu(Dense.linear(Dense.gelu(Dense.linear(u, m0W, m0B)), m1W, m1B)),
                    m2W, m2B);
            for (int t = 0; t < n; t++) {
                diff[t][h] = z[t][0] - z[t][1];
            }
        }
        double[][] gate = Dense.linear(Dense.gelu(Dense.linear(chanMean, g0W, g0B)), g1W, g1B);
        boolean[] keep = new boolean[n];
        double[] p = new double[n];
        double[] margin = new double[n];
        for (int t = 0; t < n; t++) {
            double m = 0;
            double num = 0;
            double den = 0;
            for (int h = 0; h < heads; h++) {
                double wh = FloatMath.sigmoid(gate[t][h]);
                m += wh * diff[t][h];
                num += wh * FloatMath.sigmoid(diff[t][h]);
                den += wh;
            }
            keep[t] = m >= 0;
            p[t] = num / den;
            margin[t] = m;
        }
        return new Scores(keep, p, margin);
    }
}
