package dev.vitforge.models.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatVitTest {

    static final Architecture SMALL = new Architecture("deit", 64, 2, 2, 4.0, 8, 32, 3, 10);

    static Float32Tensor image(Architecture a, long seed) {
        Random rng = new Random(seed);
        float[] px = new float[a.inChans() * a.imageSize() * a.imageSize()];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rng.nextGaussian();
        }
        return new Float32Tensor(new int[] {a.inChans(), a.imageSize(), a.imageSize()}, px);
    }

    @Test
    void forwardIsDeterministicAndShaped() {
        FloatVit vit = new FloatVit(SMALL, List.of(), RandomWeights.of(SMALL, 0, 7).fn());
        ForwardResult a = vit.forward(image(SMALL, 1));
        ForwardResult b = vit.forward(image(SMALL, 1));
        assertEquals(10, a.logits().length);
        assertArrayEquals(a.logits(), b.logits());
        assertEquals(0, a.keptCounts().length);
    }

    @Test
    void patchesAreFlattenedChannelRowCol() {
        Architecture a = new Architecture("deit", 8, 1, 1, 1.0, 2, 4, 2, 2);
        float[] px = new float[2 * 4 * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = i;
        }
        double[][] rows = FloatVit.flattenPatches(new Float32Tensor(new int[] {2, 4, 4}, px), a);
        assertEquals(4, rows.length);
        // Patch (0, 1): channel 0 rows 0-1 cols 2-3, then channel 1.
        assertArrayEquals(new double[] {2, 3, 6, 7, 18, 19, 22, 23}, rows[1]);
    }

    @Test
    void observerSeesEveryActivationPoint() {
        java.util.Set<String> seen = new java.util.TreeSet<>();
        FloatVit vit = new FloatVit(SMALL, List.of(), RandomWeights.of(SMALL, 0, 7).fn());
        vit.forward(image(SMALL, 2), (point, values) -> seen.add(point));
        assertTrue(seen.containsAll(List.of("patch_embed.proj", "residual", "head", "blocks.1.attn.qkv",
                "blocks.1.attn.q", "blocks.1.attn.k", "blocks.1.attn.v", "blocks.1.attn.proj", "blocks.1.mlp.fc1",
                "blocks.1.mlp.gelu", "blocks.1.mlp.fc2")), seen.toString());
    }

    @Test
    void selectorsReportKeptCountsAndPackageTokenJoins() {
        Architecture a = new Architecture("deit", 64, 4, 2, 4.0, 8, 32, 3, 10);
        RandomWeights w = RandomWeights.of(a, 2, 9);
        FloatVit vit = new FloatVit(a, List.of(new Selector(1, 0.7), new Selector(3, 0.5)), w.fn());
        ForwardResult r = vit.forward(image(a, 3));
        assertEquals(2, r.keptCounts().length);
        assertTrue(r.keptCounts()[0] <= a.patches());
        assertTrue(r.keptCounts()[1] <= r.keptCounts()[0], "a later selector scores only the survivors");

        // Forcing selector 0 to drop everything leaves nothing for selector 1.
        w.set("selectors.0.mlp.2.weight", Float32Tensor.zeros(2, a.headDim() / 4))
                .set("selectors.0.mlp.2.bias", Float32Tensor.vector(-1f, 1f));
        ForwardResult none = new FloatVit(a, List.of(new Selector(1, 0.7), new Selector(3, 0.5)), w.fn())
                .forward(image(a, 3));
        assertArrayEquals(new int[] {0, 0}, none.keptCounts());
    }

    @Test
    void rejectsBadShapes() {
        RandomWeights w = RandomWeights.of(SMALL, 0, 7).set("head.bias", Float32Tensor.vector(1f, 2f));
        FloatVit vit = new FloatVit(SMALL, List.of(), w.fn());
        assertThrows(IllegalArgumentException.class, () -> vit.forward(image(SMALL, 1)));
        assertThrows(IllegalArgumentException.class, () -> vit.forward(Float32Tensor.zeros(3, 16, 16)));
    }
}
