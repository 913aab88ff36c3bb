package dev.vitforge.models.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.tensor.Float32Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatSelectorTest {

    static final int T = 17;
    static final int D = 64;
    static final int H = 2;

    private static Float32Tensor tokens(long seed) {
        Random rng = new Random(seed);
        float[] v = new float[T * D];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return new Float32Tensor(new int[] {T, D}, v);
    }

    /** mlp.2 with zero weights and bias (+-1, -+1): every head's margin is +-2, whatever the token. */
    private static RandomWeights forced(boolean keep) {
        float s = keep ? 1f : -1f;
        return RandomWeights.selectorOnly(D / H, H, 0.3, 5)
                .set("mlp.2.weight", Float32Tensor.zeros(2, D / H / 4))
                .set("mlp.2.bias", Float32Tensor.vector(s, -s));
    }

    @Test
    void positiveMarginsKeepEverything() {
        Float32Tensor x = tokens(1);
        FloatSelector.Output out = FloatSelector.apply(x, forced(true).fn(), H);
        for (int t = 0; t < T; t++) {
            assertEquals(1, out.keep().get(t));
        }
        assertArrayEquals(new int[] {T + 1, D}, out.tokens().shape());
        float[] in = x.data();
        float[] got = out.tokens().data();
        for (int i = 0; i < T * D; i++) {
            assertEquals(in[i], got[i], "kept rows are copied bit for bit");
        }
        for (int c = 0; c < D; c++) {
            assertEquals(0f, got[T * D + c], "nothing dropped: the package token is a zero row");
        }
        // p = sigmoid(2) for every token, since all heads agree.
        for (int i = 0; i < T - 1; i++) {
            assertEquals(FloatMath.sigmoid(2), out.pKeep().get(i), 1e-6);
        }
    }

    @Test
    void negativeMarginsDropEverythingButCls() {
        Float32Tensor x = tokens(2);
        FloatSelector.Output out = FloatSelector.apply(x, forced(false).fn(), H);
        assertEquals(1, out.keep().get(0), "CLS is always kept");
        for (int t = 1; t < T; t++) {
            assertEquals(0, out.keep().get(t));
        }
        assertArrayEquals(new int[] {2, D}, out.tokens().shape());
        // Equal p for all: the package token is the plain mean of the patch tokens.
        for (int c = 0; c < D; c++) {
            double mean = 0;
            for (int t = 1; t < T; t++) {
                mean += x.get(t, c);
            }
            assertEquals(mean / (T - 1), out.tokens().get(1, c), 1e-5);
            assertEquals(x.get(0, c), out.tokens().get(0, c));
        }
    }

    @Test
    void mixedDecisionsKeepOrderAndPackTheRestByP() {
        boolean sawMixed = false;
        for (long seed = 10; seed < 20; seed++) {
            Float32Tensor x = tokens(seed);
            FloatSelector.Output out = FloatSelector.apply(x, RandomWeights.selectorOnly(D / H, H, 0.5, seed).fn(), H);
            assertEquals(1, out.keep().get(0));
            int kept = 0;
            double pSum = 0;
            double[] pkg = new double[D];
            for (int t = 1; t < T; t++) {
                double p = out.pKeep().get(t - 1);
                assertTrue(p >= 0 && p <= 1, "p is a probability");
                if (out.keep().get(t) == 1) {
                    kept++;
                    for (int c = 0; c < D; c++) {
                        assertEquals(x.get(t, c), out.tokens().get(kept, c), "kept rows in their original order");
                    }
                } else {
                    pSum += p;
                    for (int c = 0; c < D; c++) {
                        pkg[c] += p * x.get(t, c);
                    }
                }
            }
            assertEquals(kept + 2, out.tokens().rows());
            for (int c = 0; c < D; c++) {
                double want = pSum > 0 ? pkg[c] / pSum : 0;
                assertEquals(want, out.tokens().get(kept + 1, c), 1e-5, "package token = p-weighted mean");
            }
            sawMixed |= kept > 0 && kept < T - 1;
        }
        assertTrue(sawMixed, "random selectors should produce at least one mixed decision");
    }

    @Test
    void decisionIsTheSignOfTheMarginAndPMatchesIt() {
        Float32Tensor x = tokens(3);
        double[][] patches = new double[T - 1][D];
        for (int t = 1; t < T; t++) {
            for (int c = 0; c < D; c++) {
                patches[t - 1][c] = x.get(t, c);
            }
        }
        FloatSelector.Scores s = FloatSelector.score(patches,
                new Params(RandomWeights.selectorOnly(D / H, H, 0.5, 3).fn()), H);
        for (int t = 0; t < T - 1; t++) {
            assertEquals(s.margin()[t] >= 0, s.keep()[t]);
        }
    }
}
