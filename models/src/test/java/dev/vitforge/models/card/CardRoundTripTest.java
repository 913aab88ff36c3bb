package dev.vitforge.models.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cards read as SEMANTICS.md describes them and survive write -> load unchanged. */
class CardRoundTripTest {

    static final String SEMANTICS_EXAMPLE = """
            {
              "name": "deit-tiny-b16-s50",
              "architecture": {"family": "deit", "embed_dim": 192, "depth": 12, "num_heads": 3,
                               "mlp_ratio": 4.0, "patch_size": 16, "image_size": 224, "in_chans": 3,
                               "num_classes": 1000},
              "weights": "deit-tiny-b16-s50.safetensors",
              "block_pruning": {"block_size": 16, "masks": "from-weights"},
              "token_pruning": {"selectors": [{"before_block": 3, "keep_ratio": 0.7},
                                              {"before_block": 6, "keep_ratio": 0.49},
                                              {"before_block": 9, "keep_ratio": 0.343}]}
            }
            """;

    @TempDir
    Path dir;

    @Test
    void readsTheSemanticsExample() {
        ModelCard card = ModelCards.parse(SEMANTICS_EXAMPLE, "card.json");
        assertEquals("deit-tiny-b16-s50", card.name());
        assertEquals(new Architecture("deit", 192, 12, 3, 4.0, 16, 224, 3, 1000), card.architecture());
        assertEquals(new WeightsSource.File("deit-tiny-b16-s50.safetensors"), card.weights());
        assertEquals(BlockPruning.fromWeights(16), card.blockPruning());
        assertEquals(List.of(new Selector(3, 0.7), new Selector(6, 0.49), new Selector(9, 0.343)), card.selectors());
        assertEquals(new Selector(6, 0.49), card.selectorBefore(6));
        assertNull(card.selectorBefore(5));
        assertEquals(48, card.prunedLayers().size());
        assertEquals(new PrunedLayer("blocks.0.attn.qkv", 576, 192), card.prunedLayers().get(0));
        assertEquals(new PrunedLayer("blocks.11.mlp.fc2", 192, 768), card.prunedLayers().get(47));
    }

    @Test
    void roundTripsThroughAFile() {
        ModelCard card = ModelCards.parse(SEMANTICS_EXAMPLE, "card.json");
        Path file = dir.resolve("card.json");
        ModelCards.write(file, card);
        assertEquals(card, ModelCards.load(file));
        assertEquals(ModelCards.toJson(card), ModelCards.toJson(ModelCards.load(file)));
    }

    @Test
    void roundTripsSyntheticDensityAndMaskMapsAndNoSelectors() throws Exception {
        Architecture tiny = new Architecture("vit", 32, 2, 2, 2.0, 8, 16, 3, 10);
        ModelCard dense = new ModelCard("s", tiny, new WeightsSource.Synthetic(-7),
                new BlockPruning(8, new MaskSource.FromWeights(), OptionalDouble.of(0.25)), List.of());
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("blocks.1.mlp.fc2", "masks/fc2.npy");
        paths.put("blocks.0.attn.qkv", "masks/qkv.npy");
        ModelCard mapped = new ModelCard("m", tiny, new WeightsSource.File("w.safetensors"),
                new BlockPruning(8, new MaskSource.Files(paths), OptionalDouble.empty()), List.of(new Selector(0, 1.0)));
        for (ModelCard card : List.of(dense, mapped)) {
            Path file = dir.resolve(card.name() + ".json");
            ModelCards.write(file, card);
            ModelCard back = ModelCards.load(file);
            assertEquals(card, back);
            assertEquals(Files.readString(file), ModelCards.toJson(back));
        }
        assertEquals(List.of("blocks.1.mlp.fc2", "blocks.0.attn.qkv"),
                List.copyOf(((MaskSource.Files) ModelCards.load(dir.resolve("m.json")).blockPruning().masks())
                        .paths().keySet()), "map order is kept as written");
        assertTrue(Files.readString(dir.resolve("s.json")).contains("\"weights\": \"synthetic:-7\""));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temp files left behind");
        }
    }

    @Test
    void emptyTokenPruningMeansNoSelectorsAndIntegralNumbersAreAccepted() {
        ModelCard card = ModelCards.parse("""
                {"name": "x", "weights": "synthetic:5",
                 "architecture": {"family": "deit", "embed_dim": 32, "depth": 2, "num_heads": 2, "mlp_ratio": 2,
                                  "patch_size": 8, "image_size": 16, "in_chans": 3, "num_classes": 10.0},
                 "block_pruning": {"block_size": 8, "masks": "from-weights", "density": 1},
                 "token_pruning": {"selectors": []}}
                """, "x.json");
        assertEquals(List.of(), card.selectors());
        assertEquals(2.0, card.architecture().mlpRatio());
        assertEquals(10, card.architecture().numClasses());
        assertInstanceOf(WeightsSource.Synthetic.class, card.weights());
        assertEquals(5L, ((WeightsSource.Synthetic) card.weights()).seed());
        assertEquals(1.0, card.blockPruning().densityOrDense());
        assertEquals(card, ModelCards.parse(ModelCards.toJson(card), "x.json"));
    }
}
