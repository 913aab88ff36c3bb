package dev.vitforge.models.reference;

/** Row-wise double kernels shared by the float model, the float selector and calibration; stateless. */
public final class Dense {

    private Dense() {
    }

    /** y = x W^T + b for W [out x in] given as rows. */
    static double[][] linear(double[][] x, double[][] w, double[] b) {
        double[][] y = new double[x.length][w.length];
        for (int t = 0; t < x.length; t++) {
            double[] xt = x[t];
            for (int o = 0; o < w.length; o++) {
                double[] wo = w[o];
                double acc = b[o];
                for (int i = 0; i < xt.length; i++) {
                    acc += xt[i] * wo[i];
                }
                y[t][o] = acc;
            }
        }
        return y;
    }

    /** LayerNorm over each row with biased variance, as torch computes it. */
    public static double[][] layerNorm(double[][] x, double[] gamma, double[] beta, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[] r = x[t];
            double mean = 0;
            for (double v : r) {
                mean += v;
            }
            mean /= r.length;
            double var = 0;
            for (double v : r) {
                var += (v - mean) * (v - mean);
            }
            var /= r.length;
            double inv = 1.0 / Math.sqrt(var + eps);
            y[t] = new double[r.length];
            for (int c = 0; c < r.length; c++) {
                y[t][c] = (r[c] - mean) * inv * gamma[c] + beta[c];
            }
        }
        return y;
    }

    public static double[][] gelu(double[][] x) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = new double[x[t].length];
            for (int c = 0; c < x[t].length; c++) {
                y[t][c] = FloatMath.gelu(x[t][c]);
            }
        }
        return y;
    }

    /** Columns [from, from + width) of every row. */
    /**
     * SPViT's local/global split in place: the second half of each row's channels becomes that
     * half averaged over all {@code n} rows (the first half stays local).
     */
    public static void averageSecondHalf(double[][] u, int d, int n) {
        double[] global = new double[d - d / 2];
        for (double[] ut : u) {
            for (int c = d / 2; c < d; c++) {
                global[c - d / 2] += ut[c];
            }
        }
        for (double[] ut : u) {
            for (int c = d / 2; c < d; c++) {
                ut[c] = global[c - d / 2] / n;
            }
        }
    }

    static double[][] columns(double[][] x, int from, int width) {
        double[][] y = new double[x.length][width];
        for (int t = 0; t < x.length; t++) {
            System.arraycopy(x[t], from, y[t], 0, width);
        }
        return y;
    }

    static double[][] copy(double[][] x) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = x[t].clone();
        }
        return y;
    }
}
