package dev.vitforge.models.weights;

import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A model's float weights by timm name, sorted by name, plus the safetensors {@code __metadata__};
 * {@code source} (a file path or {@code synthetic:SEED}) names them in every error.
 */
public record Weights(String source, Map<String, Float32Tensor> tensors, Map<String, String> metadata) {

    public Weights {
        if (source == null) {
            throw new IllegalArgumentException("source must not be null");
        }
        tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
        metadata = Collections.unmodifiableMap(new TreeMap<>(metadata == null ? Map.of() : metadata));
    }

    public Weights(String source, Map<String, Float32Tensor> tensors) {
        this(source, tensors, Map.of());
    }

    /** The tensor called {@code name}; a missing one is an error naming the tensor and the source. */
    public Float32Tensor get(String name) {
        Float32Tensor t = tensors.get(name);
        if (t == null) {
            throw new TensorFormatException(source, "missing tensor '" + name + "' (" + tensors.size()
                    + " tensors present)");
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    /** These weights with some tensors replaced or added; the source and metadata stay. */
    public Weights with(Map<String, Float32Tensor> replacements) {
        Map<String, Float32Tensor> all = new TreeMap<>(tensors);
        all.putAll(replacements);
        return new Weights(source, all, metadata);
    }

    /** Total number of elements over all tensors. */
    public long parameterCount() {
        long n = 0;
        for (Float32Tensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }
}
