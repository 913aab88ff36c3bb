package dev.vitforge.models.card;

import java.util.ArrayList;
import java.util.List;

/**
 * One block-pruned linear layer of a DeiT block: its timm name (without {@code .weight}) and the
 * shape of its weight W [outFeatures x inFeatures]. These four per block are the only layers a
 * card's masks may name; everything else (patch embedding, head, selectors) stays dense.
 */
public record PrunedLayer(String name, int outFeatures, int inFeatures) {

    /** The per-block layer suffixes, in forward-pass order. */
    public static final List<String> SUFFIXES = List.of("attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2");

    /** Every pruned layer of the architecture, block by block in forward-pass order. */
    public static List<PrunedLayer> all(Architecture a) {
        int d = a.embedDim();
        int f = a.hiddenDim();
        List<PrunedLayer> layers = new ArrayList<>(4 * a.depth());
        for (int i = 0; i < a.depth(); i++) {
            String p = "blocks." + i + ".";
            layers.add(new PrunedLayer(p + "attn.qkv", 3 * d, d));
            layers.add(new PrunedLayer(p + "attn.proj", d, d));
            layers.add(new PrunedLayer(p + "mlp.fc1", f, d));
            layers.add(new PrunedLayer(p + "mlp.fc2", d, f));
        }
        return List.copyOf(layers);
    }

    /** The name of the layer's weight tensor, e.g. {@code blocks.0.attn.qkv.weight}. */
    public String weightName() {
        return name + ".weight";
    }
}
