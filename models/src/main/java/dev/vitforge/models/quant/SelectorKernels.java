package dev.vitforge.models.quant;

/**
 * The non-linear kernels of {@link IntegerSelector}, the seam between the selector's arithmetic and
 * where it runs: {@link #JAVA} computes them here (the {@code cpu} device and the reference the
 * hardware is held to); the host's simulated selector unit runs each on its RTL kernel. Products are
 * not here: they go through a {@link LinearExecutor}.
 */
public interface SelectorKernels {

    /** Per-token decision: keep (margin >= 0), the int64 margin (scale {@link IntegerSelector#marginScale}) and p in Q15. */
    record Decided(boolean[] keep, long[] margins, int[] p) {
    }

    /** The LayerNorm's int8 rows [R x width] and each row's {@code rowMean.toInt8(sum of the row)}. */
    record Normalised(byte[] values, byte[] rowMeans) {
    }

    /**
     * {@link IntLayerNorm#apply} on each row of {@code rows} ([R x width], row-major), and each row's sum
     * requantised by {@code rowMean} (the head gate's channel mean needs exactly the LayerNorm's row sum).
     */
    Normalised layerNorm(IntLayerNorm ln, int[] rows, int width, Requant rowMean);

    /** Per element of acc ([R x width]): {@code out.toInt8(gelu.apply(toGelu[c].toInt32(acc)))}, c its channel. */
    byte[] gelu(int[] acc, int width, Requant[] toGelu, IntOps.Gelu gelu, Requant out);

    /** {@code r.toInt8(sum)} of each run of {@code groupSize} consecutive values. */
    byte[] groupMean(int[] values, int groupSize, Requant r);

    /**
     * The head-weighted decision for n tokens: g1 [n x H] head-gate logits, diff [n][H] = z_keep - z_drop;
     * w_h = sigmoid(gateToExp[h](g1)), s_h = sigmoid(zToExp(diff)), margin = sum w_h diff_h,
     * p = round(sum w_h s_h / sum w_h) (the plain mean of s_h when every w_h is 0).
     */
    Decided decide(int[] g1, long[][] diff, Requant[] gateToExp, Requant zToExp);

    /** {@link IntegerSelector#pack}: kept rows in order and the new package token. */
    IntegerSelector.Packed pack(int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight);

    /** The reference kernels, in Java. */
    SelectorKernels JAVA = new SelectorKernels() {
        @Override
        public Normalised layerNorm(IntLayerNorm ln, int[] rows, int width, Requant rowMean) {
            byte[] out = new byte[rows.length];
            byte[] means = new byte[rows.length / width];
            int[] row = new int[width];
            for (int r = 0; r < means.length; r++) {
                System.arraycopy(rows, r * width, row, 0, width);
                System.arraycopy(ln.apply(row), 0, out, r * width, width);
                long sum = 0;
                for (int v : row) {
                    sum += v;
                }
                means[r] = rowMean.toInt8(sum);
            }
            return new Normalised(out, means);
        }

        @Override
        public byte[] gelu(int[] acc, int width, Requant[] toGelu, IntOps.Gelu gelu, Requant out) {
            byte[] y = new byte[acc.length];
            for (int i = 0; i < acc.length; i++) {
                y[i] = out.toInt8(gelu.apply(toGelu[i % width].toInt32(acc[i])));
            }
            return y;
        }

        @Override
        public byte[] groupMean(int[] values, int groupSize, Requant r) {
            byte[] out = new byte[values.length / groupSize];
            for (int g = 0; g < out.length; g++) {
                long s = 0;
                for (int i = 0; i < groupSize; i++) {
                    s += values[g * groupSize + i];
                }
                out[g] = r.toInt8(s);
            }
            return out;
        }

        @Override
        public Decided decide(int[] g1, long[][] diff, Requant[] gateToExp, Requant zToExp) {
            int n = diff.length;
            int heads = gateToExp.length;
            boolean[] keep = new boolean[n];
            long[] margin = new long[n];
            int[] p = new int[n];
            for (int t = 0; t < n; t++) {
                long m = 0;
                long num = 0;
                long den = 0;
                long sig = 0;
                for (int h = 0; h < heads; h++) {
                    int wh = IntOps.sigmoid(gateToExp[h].toInt32(g1[t * heads + h]));
                    int sh = IntOps.sigmoid(zToExp.toInt32(diff[t][h]));
                    m += wh * diff[t][h];
                    num += (long) wh * sh;
                    den += wh;
                    sig += sh;
                }
                margin[t] = m;
                keep[t] = m >= 0;
                p[t] = (int) (den > 0 ? (num + den / 2) / den : (sig + heads / 2) / heads);
            }
            return new Decided(keep, margin, p);
        }

        @Override
        public IntegerSelector.Packed pack(int[][] patches, boolean[] keep, int[] p, int[] pkg, long pkgWeight) {
            return IntegerSelector.pack(patches, keep, p, pkg, pkgWeight);
        }
    };
}
