package dev.vitforge.models.weights;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.card.WeightsSource;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deterministic stand-in weights for a card that says {@code synthetic:SEED}: every tensor of
 * {@link DeitLayout}, initialised roughly as timm does, with every pruned layer cut to exactly
 * round(density * blocks) kept blocks — so hardware can be built, sized and tested for DeiT-T..B
 * without shipping trained checkpoints.
 *
 * <p>Each tensor draws from its own {@link SplittableRandom} seeded from (seed, name), so a tensor
 * does not change when the architecture around it does, the values inside kept blocks do not
 * depend on the density, and the normal deviates come from code here (polar Box-Muller) rather
 * than a JDK method whose algorithm could change between releases.
 */
public final class SyntheticWeights {

    /** timm's {@code trunc_normal_(std=.02)} for linear, conv and embedding weights. */
    static final double BACKBONE_STD = 0.02;
    /** Selector noise for LayerNorm and biases: large enough that tokens score differently. */
    static final double SELECTOR_NOISE = 0.1;

    private SyntheticWeights() {
    }

    /**
     * All tensors of {@code a} with {@code selectors}; each pruned layer keeps exactly
     * round(density * blocks) B x B blocks of its weight (density 1 = dense), chosen as
     * {@link BlockMask#random} chooses them, every other weight zero and every kept block non-zero.
     */
    public static Weights generate(Architecture a, List<Selector> selectors, long seed, int blockSize,
                                   double density) {
        if (!(density >= 0 && density <= 1)) {
            throw new IllegalArgumentException("density must be in [0, 1], got " + density);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        Map<String, PrunedLayer> pruned = new HashMap<>();
        for (PrunedLayer l : PrunedLayer.all(a)) {
            pruned.put(l.weightName(), l);
        }
        // Tensors are independent (own PRNG each), so they are drawn in parallel without changing a bit.
        Map<String, Float32Tensor> tensors = new ConcurrentHashMap<>();
        DeitLayout.expectedShapes(a, selectors).entrySet().parallelStream().forEach(e -> {
            String name = e.getKey();
            int[] shape = e.getValue();
            float[] data = values(name, shape, new SplittableRandom(mix(seed, name)));
            PrunedLayer layer = pruned.get(name);
            if (layer != null && density < 1) {
                BlockMask mask = BlockMask.random(mix(seed, "mask:" + layer.name()), density, blockSize,
                        layer.outFeatures(), layer.inFeatures());
                mask.zeroPruned(data, layer.outFeatures(), layer.inFeatures());
            }
            tensors.put(name, new Float32Tensor(shape, data));
        });
        Map<String, Float32Tensor> tuned = selectors.isEmpty() ? tensors
                : SelectorTuning.tune(a, selectors, new java.util.TreeMap<>(tensors), seed);
        return new Weights(new WeightsSource.Synthetic(seed).spelling(), tuned);
    }

    private static float[] values(String name, int[] shape, SplittableRandom rng) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        boolean selector = name.startsWith("selectors.");
        boolean bias = name.endsWith(".bias");
        boolean norm = name.contains("norm") && !bias; // LayerNorm gains: norm1, norm2, norm, selectors.j.norm
        double std;
        double mean = 0;
        if (norm) {
            mean = 1;
            std = selector ? SELECTOR_NOISE : BACKBONE_STD;
        } else if (bias) {
            std = selector ? SELECTOR_NOISE : BACKBONE_STD / 2;
        } else if (selector) {
            std = 1 / Math.sqrt(shape[1]); // 1/sqrt(fan_in): unit-scale logits, so keep/drop decisions vary
        } else {
            std = BACKBONE_STD;
        }
        float[] out = new float[n];
        Normal normal = new Normal(rng);
        for (int i = 0; i < n; i++) {
            float v = (float) (mean + std * normal.truncated());
            // A kept block must be recognisable from its weights, so no weight is ever exactly zero.
            out[i] = v != 0f ? v : (float) (std * 1e-3);
        }
        return out;
    }

    /** A 64-bit seed for (seed, name): SplitMix64's finaliser over the seed and an FNV-1a hash of the name. */
    static long mix(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (c & 0xFF)) * 0x100000001b3L;
        }
        long z = seed * 0x9E3779B97F4A7C15L + h;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Standard normal deviates by the polar Box-Muller method, cut to [-2, 2] like timm's trunc_normal_. */
    private static final class Normal {
        private final SplittableRandom rng;
        private double spare;
        private boolean hasSpare;

        Normal(SplittableRandom rng) {
            this.rng = rng;
        }

        double truncated() {
            while (true) {
                double v = next();
                if (v >= -2 && v <= 2) {
                    return v;
                }
            }
        }

        private double next() {
            if (hasSpare) {
                hasSpare = false;
                return spare;
            }
            double u;
            double v;
            double s;
            do {
                u = 2 * rng.nextDouble() - 1;
                v = 2 * rng.nextDouble() - 1;
                s = u * u + v * v;
            } while (s >= 1 || s == 0);
            double m = Math.sqrt(-2 * Math.log(s) / s);
            spare = v * m;
            hasSpare = true;
            return u * m;
        }
    }
}
