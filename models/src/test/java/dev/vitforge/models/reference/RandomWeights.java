package dev.vitforge.models.reference;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.tensor.Float32Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Seeded random weights of the right timm shapes for tests: linear weights ~ N(0, 0.02) (timm's
 * trunc_normal init), biases ~ N(0, 0.02), LayerNorm weight ~ 1 + N(0, 0.05), cls/pos ~ N(0, 0.02).
 */
public final class RandomWeights {

    private final Map<String, Float32Tensor> tensors = new LinkedHashMap<>();
    private final Random rng;

    private RandomWeights(long seed) {
        this.rng = new Random(seed);
    }

    /** The model's weights plus {@code selectors} selector weight sets, all from one seed. */
    public static RandomWeights of(Architecture a, int selectors, long seed) {
        RandomWeights w = new RandomWeights(seed);
        int dim = a.embedDim();
        int p = a.patchSize();
        w.normal("patch_embed.proj.weight", 0.02, dim, a.inChans(), p, p);
        w.normal("patch_embed.proj.bias", 0.02, dim);
        w.normal("cls_token", 0.02, 1, 1, dim);
        w.normal("pos_embed", 0.02, 1, a.tokens(), dim);
        for (int i = 0; i < a.depth(); i++) {
            String b = "blocks." + i + ".";
            w.layerNorm(b + "norm1", dim);
            w.linear(b + "attn.qkv", 3 * dim, dim);
            w.linear(b + "attn.proj", dim, dim);
            w.layerNorm(b + "norm2", dim);
            w.linear(b + "mlp.fc1", a.hiddenDim(), dim);
            w.linear(b + "mlp.fc2", dim, a.hiddenDim());
        }
        w.layerNorm("norm", dim);
        w.linear("head", a.numClasses(), dim);
        for (int j = 0; j < selectors; j++) {
            w.selector("selectors." + j + ".", a.headDim(), a.numHeads(), 0.3);
        }
        return w;
    }

    /** Only a selector's weights, without prefix, as {@code ./vitforge select} reads them; std for its linears. */
    public static RandomWeights selectorOnly(int headDim, int heads, double std, long seed) {
        RandomWeights w = new RandomWeights(seed);
        w.selector("", headDim, heads, std);
        return w;
    }

    private void selector(String prefix, int d, int heads, double std) {
        int hg = Math.max(1, heads / 2);
        layerNorm(prefix + "norm", d);
        linear(prefix + "in_proj", d, d, std);
        linear(prefix + "mlp.0", d / 2, d, std);
        linear(prefix + "mlp.1", d / 4, d / 2, std);
        linear(prefix + "mlp.2", 2, d / 4, std);
        linear(prefix + "head_gate.0", hg, heads, std);
        linear(prefix + "head_gate.1", heads, hg, std);
    }

    public Function<String, Float32Tensor> fn() {
        return tensors::get;
    }

    /** Replaces one tensor, e.g. to force a selector's decisions. */
    public RandomWeights set(String name, Float32Tensor t) {
        tensors.put(name, t);
        return this;
    }

    public Float32Tensor get(String name) {
        return tensors.get(name);
    }

    private void linear(String name, int out, int in) {
        linear(name, out, in, 0.02);
    }

    private void linear(String name, int out, int in, double std) {
        normal(name + ".weight", std, out, in);
        normal(name + ".bias", 0.02, out);
    }

    private void layerNorm(String name, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (1 + 0.05 * rng.nextGaussian());
        }
        tensors.put(name + ".weight", Float32Tensor.vector(g));
        normal(name + ".bias", 0.02, n);
    }

    private void normal(String name, double std, int... shape) {
        int size = 1;
        for (int s : shape) {
            size *= s;
        }
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (std * rng.nextGaussian());
        }
        tensors.put(name, new Float32Tensor(shape, v));
    }
}
