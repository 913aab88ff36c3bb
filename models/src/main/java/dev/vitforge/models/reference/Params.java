package dev.vitforge.models.reference;

import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Weights by timm name, checked against the shape the model expects and cached as doubles; the
 * source function is not ours (another package reads safetensors), so every shape is verified here.
 */
public final class Params {

    private final Function<String, Float32Tensor> source;
    private final String prefix;
    private final Map<String, double[]> cache = new HashMap<>();

    public Params(Function<String, Float32Tensor> source) {
        this(source, "");
    }

    private Params(Function<String, Float32Tensor> source, String prefix) {
        this.source = source;
        this.prefix = prefix;
    }

    /** The same weights seen with {@code prefix} prepended to every name, e.g. {@code "selectors.0."}. */
    public Params withPrefix(String more) {
        return new Params(source, prefix + more);
    }

    /** The tensor's elements in C order, after checking it holds exactly {@code shape}. */
    public double[] get(String name, int... shape) {
        String full = prefix + name;
        return cache.computeIfAbsent(full, n -> load(n, shape)).clone();
    }

    /** A [rows x cols] weight as rows of doubles. */
    public double[][] matrix(String name, int rows, int cols) {
        double[] flat = get(name, rows, cols);
        double[][] m = new double[rows][];
        for (int r = 0; r < rows; r++) {
            m[r] = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return m;
    }

    private double[] load(String name, int[] shape) {
        Float32Tensor t = source.apply(name);
        if (t == null) {
            throw new IllegalArgumentException("missing weight " + name);
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("weight " + name + " has shape " + t.shapeString()
                    + ", expected " + Tensor.formatShape(shape));
        }
        float[] f = t.data();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
