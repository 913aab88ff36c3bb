package dev.vitforge.models.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import dev.vitforge.models.weights.PrunedModels;
import dev.vitforge.models.weights.SyntheticWeights;
import dev.vitforge.models.weights.Weights;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LPViT-style pruning on a small synthetic DeiT: budgets met, floors kept, saliency and weights consistent. */
class PruningTest {

    private static final Architecture SMALL = new Architecture("deit", 64, 2, 2, 4.0, 8, 32, 3, 10);
    private static final int B = 16;
    private static final Weights DENSE = SyntheticWeights.generate(SMALL, List.of(), 7, B, 1.0);

    /** Budget met from below and within 1% of it. */
    private static void assertMeets(Allocation a, double budget) {
        assertTrue(a.achievedFraction() <= budget + 1e-9, "over budget: " + a.achievedFraction() + " > " + budget);
        assertTrue(budget - a.achievedFraction() <= 0.01, "more than 1% under: " + a.achievedFraction() + " for " + budget);
    }

    private static void assertFloors(Allocation a) {
        for (LayerChoice c : a.layers()) {
            assertTrue(c.keptBlocks() >= Math.max(1, Math.ceil(0.05 * c.totalBlocks())), c.layer() + " below 5%");
            assertEquals(c.keptBlocks(), c.mask().nonzeroBlocks());
        }
    }

    @Test
    void flopsBudgetsAreMetWithinOnePercent() {
        LayerCost flops = LayerCost.flops(B, SMALL.tokens());
        for (double budget : new double[] {0.07, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0}) {
            Allocation a = BlockPruner.prune(SMALL, B, DENSE, null, flops, budget).allocation();
            assertMeets(a, budget);
            assertFloors(a);
        }
    }

    @Test
    void finerBlocksMeetTheBudgetWithNonUniformSparsity() {
        Allocation a = BlockPruner.prune(SMALL, 8, DENSE, null, LayerCost.flops(8, 197), 0.5).allocation();
        assertMeets(a, 0.5);
        double min = a.layers().stream().mapToDouble(LayerChoice::density).min().orElseThrow();
        double max = a.layers().stream().mapToDouble(LayerChoice::density).max().orElseThrow();
        assertTrue(max - min > 0.01, "the allocation should differ between layers, got " + min + ".." + max);
    }

    /**
     * A hardware-like cost: four lanes take output block-rows round-robin and the slowest lane
     * (each row at least one beat) sets the time, plus a fixed load term — not linear in the
     * kept count and dependent on where the blocks sit.
     */
    @Test
    void lumpyHardwareCostsAreMetWithinOnePercent() {
        LayerCost lanes = (layer, kept, mask) -> {
            long[] lane = new long[4];
            for (int j = 0; j < mask.outputBlocks(); j++) {
                lane[j % 4] += Math.max(1, mask.nonzeroBlocksForOutput(j)) * (long) B;
            }
            long slowest = 0;
            for (long l : lane) {
                slowest = Math.max(slowest, l);
            }
            return 3.0 * mask.inputBlocks() + slowest;
        };
        for (double budget : new double[] {0.4, 0.6, 0.8}) {
            Allocation a = BlockPruner.prune(SMALL, B, DENSE, null, lanes, budget).allocation();
            assertMeets(a, budget);
            assertFloors(a);
        }
    }

    @Test
    void gradientWeightedScoresChangeTheChoice() {
        // Gradients that are large exactly where |W| is small in every pruned layer.
        Map<String, Float32Tensor> g = new HashMap<>();
        SplittableRandom rng = new SplittableRandom(3);
        for (PrunedLayer l : PrunedLayer.all(SMALL)) {
            float[] w = DENSE.get(l.weightName()).data();
            float[] grad = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                grad[i] = (float) (rng.nextDouble(0.5, 1.5) / (Math.abs(w[i]) + 1e-3));
            }
            g.put(l.weightName(), new Float32Tensor(new int[] {l.outFeatures(), l.inFeatures()}, grad));
        }
        Weights gradients = new Weights("grad.safetensors", g);
        LayerCost flops = LayerCost.flops(B, 197);
        Allocation plain = BlockPruner.prune(SMALL, B, DENSE, null, flops, 0.5).allocation();
        Allocation weighted = BlockPruner.prune(SMALL, B, DENSE, gradients, flops, 0.5).allocation();
        assertMeets(weighted, 0.5);
        assertNotEquals(plain.masks(), weighted.masks());
    }

    @Test
    void scoresAverageEdgeBlocksOverTheirRealElements() {
        float[] w = new float[20 * 20];
        java.util.Arrays.fill(w, -2f);
        BlockScores s = BlockScores.of("x", Float32Tensor.matrix(20, 20, w), null, 16);
        assertArrayEquals(new double[] {2, 2, 2, 2}, s.scores(), 1e-12);
        float[] g = new float[20 * 20];
        g[19 * 20 + 19] = 16f; // the lone element of the 4 x 4 corner block's last row and column
        BlockScores weighted = BlockScores.of("x", Float32Tensor.matrix(20, 20, w), Float32Tensor.matrix(20, 20, g), 16);
        assertArrayEquals(new double[] {0, 0, 0, 2.0 * 16 / 16}, weighted.scores(), 1e-12);
    }

    @Test
    void prunedWeightsCarryExactlyTheChosenMasks() {
        BlockPruner.Result r = BlockPruner.prune(SMALL, B, DENSE, null, LayerCost.flops(B, 197), 0.3);
        for (Map.Entry<String, BlockMask> e : r.allocation().masks().entrySet()) {
            assertEquals(e.getValue(), PrunedModels.fromWeights(r.weights().get(e.getKey() + ".weight"), B), e.getKey());
        }
        assertEquals(DENSE.get("head.weight"), r.weights().get("head.weight"));
        assertEquals(DENSE.names(), r.weights().names());
    }

    @Test
    void levelsSweepFromDenseToTheFloor() {
        LayerLevels l = LayerLevels.sweep(BlockScores.of("fc", DENSE.get("blocks.0.mlp.fc1.weight"), null, 8),
                LayerCost.flops(8, 197));
        assertEquals(256, l.kept(0));
        assertEquals(13, l.kept(l.levels() - 1)); // ceil(5% of 256)
        assertEquals(0, l.distortion(0));
        assertTrue(l.levels() > 90 && l.levels() <= 101, "levels: " + l.levels());
        for (int i = 1; i < l.levels(); i++) {
            assertTrue(l.kept(i) < l.kept(i - 1) && l.distortion(i) >= l.distortion(i - 1));
        }
        assertEquals(1, LayerLevels.floor(3));
    }

    @Test
    void impossibleBudgetsAndMismatchedGradientsAreRefused() {
        LayerCost flops = LayerCost.flops(B, 197);
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class,
                () -> BlockPruner.prune(SMALL, B, DENSE, null, flops, 0.01));
        assertTrue(low.getMessage().contains("cannot be met"), low.getMessage());
        for (double bad : new double[] {0, -0.5, 1.01, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> BlockPruner.prune(SMALL, B, DENSE, null, flops, bad));
        }
        Weights wrong = DENSE.with(Map.of("blocks.1.mlp.fc2.weight", Float32Tensor.zeros(64, 64)));
        TensorFormatException shape = assertThrows(TensorFormatException.class,
                () -> BlockPruner.prune(SMALL, B, DENSE, wrong, flops, 0.5));
        assertTrue(shape.getMessage().contains("blocks.1.mlp.fc2.weight"), shape.getMessage());
        Weights missing = new Weights("g.safetensors", Map.of());
        TensorFormatException none = assertThrows(TensorFormatException.class,
                () -> BlockPruner.prune(SMALL, B, DENSE, missing, flops, 0.5));
        assertTrue(none.getMessage().startsWith("g.safetensors: missing tensor 'blocks.0.attn.qkv.weight'"),
                none.getMessage());
    }
}
