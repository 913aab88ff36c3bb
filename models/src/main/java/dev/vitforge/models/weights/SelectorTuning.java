package dev.vitforge.models.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.reference.ActivationObserver;
import dev.vitforge.models.reference.FloatSelector;
import dev.vitforge.models.reference.FloatVit;
import dev.vitforge.models.reference.Params;
import dev.vitforge.models.tensor.Float32Tensor;

/**
 * Gives synthetic selectors the card's keep ratios. Random selector weights keep all tokens or
 * none, which would make token pruning vacuous; so, selector by selector, the keep logit's bias
 * ({@code mlp.2.bias[0]}, shared by every head) is shifted so that the float model keeps
 * round(keep_ratio x patches) tokens on one seeded synthetic image. A shift d moves every
 * token's margin by exactly d times its head-gate sum (positive), so each token has a threshold
 * shift from which it is kept, and the target-th smallest threshold is the shift. Deterministic; trained selectors are never touched (only synthetic weights
 * pass through here).
 */
final class SelectorTuning {
    private SelectorTuning() {}

    static Map<String, Float32Tensor> tune(Architecture a, List<Selector> selectors, Map<String, Float32Tensor> tensors,
                                           long seed) {
        Map<String, Float32Tensor> w = new LinkedHashMap<>(tensors);
        java.util.Random random = new java.util.Random(seed);
        float[] pixels = new float[a.inChans() * a.imageSize() * a.imageSize()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        Float32Tensor image = new Float32Tensor(new int[] {a.inChans(), a.imageSize(), a.imageSize()}, pixels);
        for (int j = 0; j < selectors.size(); j++) {
            double[][] patches = patchesEntering(a, selectors.subList(0, j), w, image, selectors.get(j).beforeBlock(), j);
            if (patches.length == 0) {
                continue;
            }
            double previous = j == 0 ? 1.0 : selectors.get(j - 1).keepRatio();
            int target = (int) Math.round(selectors.get(j).keepRatio() / previous * patches.length);
            String bias = "selectors." + j + ".mlp.2.bias";
            float[] original = w.get(bias).data();
            // margin(d) = margin(0) + d * (sum of the token's head gates): two scorings give both terms,
            // and token t is kept once d reaches its threshold -margin(0) / gates.
            double[] m0 = margins(a, w, j, bias, original, 0, patches);
            double[] m1 = margins(a, w, j, bias, original, 1, patches);
            double[] threshold = new double[m0.length];
            for (int t = 0; t < m0.length; t++) {
                threshold[t] = -m0[t] / Math.max(1e-12, m1[t] - m0[t]);
            }
            java.util.Arrays.sort(threshold);
            // Midway between the last kept token's threshold and the next one's, so float32 rounding
            // of the stored bias cannot tip either token over.
            double below = target == 0 ? threshold[0] - 2 : threshold[target - 1];
            double above = target < threshold.length ? threshold[target] : below + 2;
            w.put(bias, shifted(original, (below + above) / 2));
        }
        return w;
    }

    private static double[] margins(Architecture a, Map<String, Float32Tensor> w, int j, String bias, float[] original,
                                    double shift, double[][] patches) {
        Map<String, Float32Tensor> trial = new LinkedHashMap<>(w);
        trial.put(bias, shifted(original, shift));
        Params p = new Params(trial::get).withPrefix("selectors." + j + ".");
        return FloatSelector.score(patches, p, a.numHeads()).margin();
    }

    private static Float32Tensor shifted(float[] original, double shift) {
        float[] b = original.clone();
        b[0] = (float) (b[0] + shift);
        return new Float32Tensor(new int[] {b.length}, b);
    }

    /** The patch rows (no CLS, no package token) of the residual entering block {@code block}. */
    private static double[][] patchesEntering(Architecture a, List<Selector> earlier, Map<String, Float32Tensor> w,
                                              Float32Tensor image, int block, int j) {
        List<double[][]> residuals = new ArrayList<>();
        ActivationObserver tap = (point, values) -> {
            if (point.equals("residual")) {
                residuals.add(values);
            }
        };
        // Only the blocks before the selector matter: a model cut after them is all that runs.
        Architecture cut = new Architecture(a.family(), a.embedDim(), Math.max(1, block), a.numHeads(), a.mlpRatio(), a.patchSize(),
                a.imageSize(), a.inChans(), a.numClasses());
        new FloatVit(cut, earlier, w::get).forward(image, tap);
        double[][] x = residuals.get(2 * block); // the embedding, then two adds per block
        int n = x.length - 1 - (j > 0 ? 1 : 0);
        return java.util.Arrays.copyOfRange(x, 1, 1 + Math.max(0, n));
    }
}
