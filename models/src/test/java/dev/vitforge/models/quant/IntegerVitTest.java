package dev.vitforge.models.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.reference.FloatVit;
import dev.vitforge.models.reference.ForwardResult;
import dev.vitforge.models.reference.RandomWeights;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Int32Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class IntegerVitTest {

    static final Architecture SMALL = new Architecture("deit", 64, 2, 2, 4.0, 8, 32, 3, 10);
    static final Architecture THREE_HEADS = new Architecture("deit", 96, 2, 3, 4.0, 8, 32, 3, 10);

    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    /** Worst cosine over test images that calibration never saw. */
    static double worstCosine(Architecture a, long seed) {
        Function<String, Float32Tensor> w = RandomWeights.of(a, 0, seed).fn();
        FloatVit ref = new FloatVit(a, List.of(), w);
        IntegerVit q = IntegerVit.quantize(a, List.of(), w, Calibration.synthetic(ref, 16, seed + 100));
        double worst = 1;
        for (Float32Tensor image : Calibration.syntheticImages(ref, 8, seed + 200)) {
            worst = Math.min(worst, cosine(ref.forward(image).logits(), q.forward(image).logits()));
        }
        if (IntOpsTest.VERBOSE) {
            System.out.printf("cosine %s seed %d: %.5f%n", a, seed, worst);
        }
        return worst;
    }

    @Test
    void logitsTrackTheFloatModelEmbed64() {
        for (long seed = 1; seed <= 3; seed++) {
            double c = worstCosine(SMALL, seed);
            assertTrue(c >= 0.99, "cosine " + c + " for seed " + seed);
        }
    }

    @Test
    void logitsTrackTheFloatModelEmbed96ThreeHeads() {
        for (long seed = 4; seed <= 5; seed++) {
            double c = worstCosine(THREE_HEADS, seed);
            assertTrue(c >= 0.99, "cosine " + c + " for seed " + seed);
        }
    }

    @Test
    void bitExactRunToRunAndThroughAnyFaithfulExecutor() {
        Function<String, Float32Tensor> w = RandomWeights.of(SMALL, 0, 11).fn();
        FloatVit ref = new FloatVit(SMALL, List.of(), w);
        Float32Tensor image = Calibration.syntheticImages(ref, 1, 12).get(0);
        IntegerVit a = IntegerVit.quantize(SMALL, List.of(), w, Calibration.synthetic(ref, 4, 13));
        IntegerVit b = IntegerVit.quantize(SMALL, List.of(), w, Calibration.synthetic(ref, 4, 13));
        ForwardResult first = a.forward(image);
        assertArrayEquals(first.logits(), a.forward(image).logits());
        assertArrayEquals(first.logits(), b.forward(image).logits());

        // A recording executor that delegates: same bits, and every product went through the seam.
        TreeSet<String> layers = new TreeSet<>();
        List<int[]> shapes = new ArrayList<>();
        ForwardResult seen = a.forward(image, (layer, x, wt) -> {
            layers.add(layer);
            Int32Tensor y = LinearExecutor.JAVA.run(layer, x, wt);
            shapes.add(y.shape());
            return y;
        });
        assertArrayEquals(first.logits(), seen.logits());
        assertTrue(layers.containsAll(List.of("patch_embed.proj", "head", "blocks.0.attn.qkv", "blocks.0.attn.proj",
                "blocks.0.mlp.fc1", "blocks.0.mlp.fc2", "blocks.1.attn.qk.0", "blocks.1.attn.qk.1",
                "blocks.1.attn.av.1")), layers.toString());
        assertEquals(2 + SMALL.depth() * (4 + 2 * SMALL.numHeads()), shapes.size());
    }

    @Test
    void aWrongExecutorChangesTheResult() {
        Function<String, Float32Tensor> w = RandomWeights.of(SMALL, 0, 11).fn();
        FloatVit ref = new FloatVit(SMALL, List.of(), w);
        Float32Tensor image = Calibration.syntheticImages(ref, 1, 12).get(0);
        IntegerVit q = IntegerVit.quantize(SMALL, List.of(), w, Calibration.synthetic(ref, 4, 13));
        float[] good = q.forward(image).logits();
        float[] bad = q.forward(image, (layer, x, wt) -> {
            Int32Tensor y = LinearExecutor.JAVA.run(layer, x, wt);
            if (!layer.equals("head")) {
                return y;
            }
            int[] d = y.data();
            d[0] += 1;
            return new Int32Tensor(y.shape(), d);
        }).logits();
        assertTrue(good[0] != bad[0], "one LSB in one accumulator must show");
    }

    @Test
    void quantisedWeightsKeepPrunedZeros() {
        // Math.round is half-up: -63.5 becomes -63.
        double[] w = {0, 0, 0, 0, 0.5, -0.25, 0.1, 0};
        QuantLinear l = QuantLinear.of("x", w, new double[] {0.01, 0.02}, 2, 4, 0.1);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 127, -63, 25, 0}, l.weight().data());
        assertEquals(1.0, l.weightScales()[0]);
        assertEquals(Math.round(0.02 / (0.1 * 0.5 / 127)), l.bias()[1]);
    }

    @Test
    void selectorsNeedTheirCalibration() {
        Function<String, Float32Tensor> w = RandomWeights.of(SMALL, 1, 11).fn();
        FloatVit ref = new FloatVit(SMALL, List.of(new Selector(1, 0.7)), w);
        Calibration cal = Calibration.synthetic(ref, 1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> IntegerVit.quantize(SMALL, List.of(new Selector(1, 0.7)), w, cal));
    }
}
