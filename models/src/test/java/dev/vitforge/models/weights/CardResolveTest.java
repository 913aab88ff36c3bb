package dev.vitforge.models.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.BlockPruning;
import dev.vitforge.models.card.MaskSource;
import dev.vitforge.models.card.ModelCard;
import dev.vitforge.models.card.ModelCards;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.card.WeightsSource;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.tensor.TensorFormatException;
import dev.vitforge.models.tensor.UInt8Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cards resolve into weights that fit the architecture and masks that agree with the weights. */
class CardResolveTest {

    static final Architecture TINY = SyntheticWeightsTest.TINY;
    static final List<Selector> SELECTORS = List.of(new Selector(1, 0.5));

    @TempDir
    Path dir;

    private Path card(String name, WeightsSource weights, BlockPruning pruning) {
        Path file = dir.resolve(name + ".json");
        ModelCards.write(file, new ModelCard(name, TINY, weights, pruning, SELECTORS));
        return file;
    }

    @Test
    void fromWeightsMasksOfASafetensorsFileInAnyFloatDtype() {
        Weights w = SyntheticWeights.generate(TINY, SELECTORS, 5, 8, 0.5);
        Map<String, Float32Tensor> withExtra = new TreeMap<>(w.tensors());
        withExtra.put("head_dist.weight", Float32Tensor.zeros(10, 32)); // extra tensors are fine
        SafeTensors.write(dir.resolve("w.safetensors"), withExtra, Map.of(), SafeTensorsDType.BF16);
        PrunedModel m = PrunedModels.load(card("bf16", new WeightsSource.File("w.safetensors"),
                BlockPruning.fromWeights(8)));
        assertEquals("bf16", m.name());
        assertEquals(8, m.blockSize());
        assertEquals(SELECTORS, m.selectors());
        assertEquals(List.copyOf(PrunedLayer.all(TINY).stream().map(PrunedLayer::name).toList()),
                List.copyOf(m.masks().keySet()));
        for (PrunedLayer layer : m.prunedLayers()) {
            BlockMask mask = m.mask(layer.name());
            assertEquals(PrunedModels.fromWeights(w.get(layer.weightName()), 8), mask, layer.name());
            assertEquals(Math.round(0.5 * mask.rows() * mask.cols()), mask.nonzeroBlocks());
        }
        assertEquals(0.5, m.density(), 0.01);
        assertTrue(m.weights().contains("head_dist.weight"));
        assertEquals("model 'bf16' has no pruned layer 'head'; pruned layers are blocks.{i}.{attn.qkv, attn.proj,"
                + " mlp.fc1, mlp.fc2}", assertThrows(IllegalArgumentException.class, () -> m.mask("head")).getMessage());
    }

    @Test
    void npyMaskMapZeroesTheMaskedOutBlocks() throws Exception {
        Weights dense = SyntheticWeights.generate(TINY, SELECTORS, 6, 8, 1);
        SafeTensors.write(dir.resolve("dense.safetensors"), dense);
        BlockMask qkv = BlockMask.random(1, 0.3, 8, 96, 32);
        BlockMask fc2 = BlockMask.random(2, 0.6, 8, 32, 64);
        Npy.write(dir.resolve("qkv.npy"), asUint8(qkv));
        Files.createDirectories(dir.resolve("masks"));
        Npy.write(dir.resolve("masks/fc2.npy"), asUint8(fc2));
        Map<String, String> paths = Map.of("blocks.0.attn.qkv", "qkv.npy", "blocks.1.mlp.fc2", "masks/fc2.npy");
        for (WeightsSource source : List.of(new WeightsSource.File("dense.safetensors"), new WeightsSource.Synthetic(6))) {
            PrunedModel m = PrunedModels.load(card("npy", source,
                    new BlockPruning(8, new MaskSource.Files(paths), OptionalDouble.empty())));
            assertEquals(qkv, m.mask("blocks.0.attn.qkv"));
            assertEquals(fc2, m.mask("blocks.1.mlp.fc2"));
            assertEquals(BlockMask.full(8, 64, 32), m.mask("blocks.0.mlp.fc1"), "unlisted layers are dense");
            assertEquals(qkv, PrunedModels.fromWeights(m.weight("blocks.0.attn.qkv.weight"), 8), "weights zeroed");
            assertEquals(fc2, PrunedModels.fromWeights(m.weight("blocks.1.mlp.fc2.weight"), 8));
            assertEquals(dense.get("blocks.0.mlp.fc1.weight"), m.weight("blocks.0.mlp.fc1.weight"));
            float[] before = dense.get("blocks.0.attn.qkv.weight").data();
            float[] after = m.weight("blocks.0.attn.qkv.weight").data();
            for (int i = 0; i < after.length; i++) {
                assertTrue(after[i] == before[i] || (after[i] == 0 && !qkv.isKept(i / 32 / 8, i % 32 / 8)));
            }
        }
    }

    @Test
    void refusesMasksOfTheWrongShape() {
        Npy.write(dir.resolve("bad.npy"), UInt8Tensor.zeros(3, 4));
        Path card = card("bad", new WeightsSource.Synthetic(1),
                new BlockPruning(8, new MaskSource.Files(Map.of("blocks.0.attn.proj", "bad.npy")), OptionalDouble.empty()));
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PrunedModels.load(card));
        assertEquals(dir.resolve("bad.npy") + ": mask shape (3, 4) does not fit weights [32 x 32] in 8 x 8 blocks;"
                + " expected (4, 4)", e.getMessage());
        Path missing = card("missing", new WeightsSource.Synthetic(1),
                new BlockPruning(8, new MaskSource.Files(Map.of("blocks.0.attn.proj", "none.npy")), OptionalDouble.empty()));
        assertEquals(dir.resolve("none.npy") + ": cannot read: no such file or directory",
                assertThrows(TensorFormatException.class, () -> PrunedModels.load(missing)).getMessage());
    }

    @Test
    void refusesMissingAndMisshapenTensorsByName() {
        Weights w = SyntheticWeights.generate(TINY, SELECTORS, 5, 8, 1);
        Map<String, Float32Tensor> t = new TreeMap<>(w.tensors());
        t.remove("selectors.0.mlp.1.bias");
        t.put("blocks.1.mlp.fc1.weight", Float32Tensor.zeros(64, 31));
        t.put("blocks.1.norm2.bias", Float32Tensor.zeros(31));
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, t, Map.of(), SafeTensorsDType.F32);
        Path card = card("c", new WeightsSource.File("w.safetensors"), BlockPruning.fromWeights(8));
        assertEquals(file + ": tensor 'blocks.1.norm2.bias' has shape (31,) but card " + card + " needs (32,)",
                assertThrows(TensorFormatException.class, () -> PrunedModels.load(card)).getMessage(),
                "the first mismatch in forward-pass order");
        t.put("blocks.1.norm2.bias", w.get("blocks.1.norm2.bias"));
        t.put("blocks.1.mlp.fc1.weight", w.get("blocks.1.mlp.fc1.weight"));
        SafeTensors.write(file, t, Map.of(), SafeTensorsDType.F32);
        assertEquals(file + ": missing tensor 'selectors.0.mlp.1.bias' of shape (4,) needed by card " + card,
                assertThrows(TensorFormatException.class, () -> PrunedModels.load(card)).getMessage());
        Path noWeights = card("n", new WeightsSource.File("gone.safetensors"), BlockPruning.fromWeights(8));
        assertEquals(dir.resolve("gone.safetensors") + ": cannot read: no such file or directory",
                assertThrows(TensorFormatException.class, () -> PrunedModels.load(noWeights)).getMessage());
    }

    @Test
    void aBadCardIsReportedBeforeAnyWeightIsRead() throws Exception {
        Path file = dir.resolve("card.json");
        Files.writeString(file, ModelCards.toJson(new ModelCard("x", TINY, new WeightsSource.Synthetic(1),
                BlockPruning.fromWeights(8), List.of())).replace("\"depth\"", "\"foo\": 1, \"depth\""));
        assertEquals(file + ": unknown field 'foo' in architecture (allowed: family, embed_dim, depth, num_heads,"
                + " mlp_ratio, patch_size, image_size, in_chans, num_classes)",
                assertThrows(TensorFormatException.class, () -> PrunedModels.load(file)).getMessage());
    }

    private static UInt8Tensor asUint8(BlockMask m) {
        boolean[] kept = m.kept();
        int[] v = new int[kept.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = kept[i] ? 1 : 0;
        }
        return UInt8Tensor.ofInts(new int[] {m.rows(), m.cols()}, v);
    }
}
