package dev.vitforge.models.quant;

import dev.vitforge.models.reference.ActivationObserver;
import dev.vitforge.models.reference.FloatVit;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Max-abs of every activation point (see {@link ActivationObserver}) over a set of calibration
 * inputs run through the float model; per-tensor activation scales are max-abs / 127. Max-abs
 * rather than a percentile: it never clips what calibration saw, and the models are small.
 */
public final class Calibration implements ActivationObserver {

    private final Map<String, Double> maxAbs = new TreeMap<>();

    /** Runs {@code model} on every image and records the ranges. */
    public static Calibration run(FloatVit model, List<Float32Tensor> images) {
        Calibration c = new Calibration();
        for (Float32Tensor image : images) {
            model.forward(image, c);
        }
        return c;
    }

    /** Calibration on {@code count} images of seeded standard-normal pixels, for when no data set is given. */
    public static Calibration synthetic(FloatVit model, int count, long seed) {
        return run(model, syntheticImages(model, count, seed));
    }

    /** {@code count} images [C x H x W] of standard-normal pixels (the range of normalised photographs). */
    public static List<Float32Tensor> syntheticImages(FloatVit model, int count, long seed) {
        var arch = model.architecture();
        Random rng = new Random(seed);
        int size = arch.inChans() * arch.imageSize() * arch.imageSize();
        Float32Tensor[] out = new Float32Tensor[count];
        for (int i = 0; i < count; i++) {
            float[] px = new float[size];
            for (int k = 0; k < size; k++) {
                px[k] = (float) rng.nextGaussian();
            }
            out[i] = new Float32Tensor(new int[] {arch.inChans(), arch.imageSize(), arch.imageSize()}, px);
        }
        return List.of(out);
    }

    @Override
    public void observe(String point, double[][] values) {
        double m = 0;
        for (double[] row : values) {
            for (double v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        maxAbs.merge(point, m, Math::max);
    }

    /** The largest magnitude seen at {@code point}; an unseen point is an error, not a silent default. */
    public double maxAbs(String point) {
        Double m = maxAbs.get(point);
        if (m == null) {
            throw new IllegalStateException("calibration saw no activations at " + point);
        }
        return m;
    }

    /** The per-tensor int8 scale of {@code point}: max-abs / 127 (a tiny floor keeps all-zero points usable). */
    public double int8Scale(String point) {
        return Math.max(maxAbs(point), 1e-12) / 127.0;
    }

    public Map<String, Double> ranges() {
        return Collections.unmodifiableMap(maxAbs);
    }
}
