package dev.vitforge.models.weights;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors a timm DeiT with SPViT selectors must have, by name and shape, in forward-pass
 * order (REFERENCES.md conventions, SEMANTICS.md selector weights). Both the shape check of
 * resolved weights and the synthetic generator use this one list, so they cannot disagree.
 */
public final class DeitLayout {

    private DeitLayout() {
    }

    /** Every expected tensor of the model: backbone, then {@code selectors.{j}.*} for each selector j. */
    public static Map<String, int[]> expectedShapes(Architecture a, List<Selector> selectors) {
        int d = a.embedDim();
        int f = a.hiddenDim();
        int p = a.patchSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("patch_embed.proj.weight", new int[] {d, a.inChans(), p, p});
        s.put("patch_embed.proj.bias", new int[] {d});
        s.put("cls_token", new int[] {1, 1, d});
        s.put("pos_embed", new int[] {1, a.tokens(), d});
        for (int i = 0; i < a.depth(); i++) {
            String b = "blocks." + i + ".";
            s.put(b + "norm1.weight", new int[] {d});
            s.put(b + "norm1.bias", new int[] {d});
            linear(s, b + "attn.qkv", 3 * d, d);
            linear(s, b + "attn.proj", d, d);
            s.put(b + "norm2.weight", new int[] {d});
            s.put(b + "norm2.bias", new int[] {d});
            linear(s, b + "mlp.fc1", f, d);
            linear(s, b + "mlp.fc2", d, f);
        }
        s.put("norm.weight", new int[] {d});
        s.put("norm.bias", new int[] {d});
        linear(s, "head", a.numClasses(), d);
        for (int j = 0; j < selectors.size(); j++) {
            for (Map.Entry<String, int[]> e : selectorShapes(a).entrySet()) {
                s.put("selectors." + j + "." + e.getKey(), e.getValue());
            }
        }
        return Collections.unmodifiableMap(s);
    }

    /**
     * One selector's tensors without the {@code selectors.{j}.} prefix (the layout of the file
     * {@code ./vitforge select --selector} reads). d = D / H, gate hidden width max(1, H/2).
     */
    public static Map<String, int[]> selectorShapes(Architecture a) {
        int d = a.headDim();
        int h = a.numHeads();
        int g = Math.max(1, h / 2);
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("norm.weight", new int[] {d});
        s.put("norm.bias", new int[] {d});
        linear(s, "in_proj", d, d);
        linear(s, "mlp.0", d / 2, d);
        linear(s, "mlp.1", d / 4, d / 2);
        linear(s, "mlp.2", 2, d / 4);
        linear(s, "head_gate.0", g, h);
        linear(s, "head_gate.1", h, g);
        return Collections.unmodifiableMap(s);
    }

    private static void linear(Map<String, int[]> s, String name, int out, int in) {
        s.put(name + ".weight", new int[] {out, in});
        s.put(name + ".bias", new int[] {out});
    }
}
