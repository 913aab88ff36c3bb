package dev.vitforge.models.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.tensor.TensorFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad card is refused with one line: the card file, a colon, the problem. */
class CardRejectTest {

    private static final String ARCH = "{\"family\": \"deit\", \"embed_dim\": 32, \"depth\": 4, \"num_heads\": 2,"
            + " \"mlp_ratio\": 4.0, \"patch_size\": 8, \"image_size\": 16, \"in_chans\": 3, \"num_classes\": 10}";
    private static final String PRUNING = "{\"block_size\": 8, \"masks\": \"from-weights\"}";

    @TempDir
    Path dir;

    /** A valid card with one JSON fragment substituted: field name -> raw JSON value (null = leave out). */
    private static String card(String field, String value) {
        String[][] fields = {{"name", "\"t\""}, {"architecture", ARCH}, {"weights", "\"synthetic:1\""},
            {"block_pruning", PRUNING}};
        StringBuilder sb = new StringBuilder("{");
        boolean replaced = false;
        for (String[] f : fields) {
            String v = f[1];
            if (f[0].equals(field)) {
                replaced = true;
                v = value;
            }
            if (v != null) {
                sb.append(sb.length() > 1 ? ", " : "").append('"').append(f[0]).append("\": ").append(v);
            }
        }
        if (!replaced && value != null) {
            sb.append(", \"").append(field).append("\": ").append(value);
        }
        return sb.append('}').toString();
    }

    private static String arch(String key, String value) {
        return ARCH.replaceFirst("\"" + key + "\": [^,}]+", "\"" + key + "\": " + value);
    }

    private static String tokens(String selectors) {
        return card("token_pruning", "{\"selectors\": [" + selectors + "]}");
    }

    static Stream<Arguments> badCards() {
        return Stream.of(
                Arguments.of("", "empty file, expected a JSON object"),
                Arguments.of("{\"name\": ", "not well-formed JSON: End of input at line 1 column 10 path $.name"),
                Arguments.of("{'name': 't'}", "not well-formed JSON: syntax error at line 1 column 3 path $."),
                Arguments.of(card("name", "\"t\"") + " {}",
                        "not well-formed JSON: syntax error at line 1 column 271 path $"),
                Arguments.of("[]", "the card must be a JSON object, got []"),
                Arguments.of("{\"name\": \"a\", \"name\": \"b\"}", "duplicate field 'name' at line 1 column 21 path $.name"),
                Arguments.of(card("foo", "1"), "unknown field 'foo' at the top level (allowed: name, architecture,"
                        + " weights, block_pruning, token_pruning)"),
                Arguments.of(card("architecture", ARCH.replace("}", ", \"foo\": 1}")),
                        "unknown field 'foo' in architecture (allowed: family, embed_dim, depth, num_heads, mlp_ratio,"
                                + " patch_size, image_size, in_chans, num_classes)"),
                Arguments.of(card("block_pruning", "{\"block_size\": 8, \"masks\": \"from-weights\", \"mask\": 1}"),
                        "unknown field 'mask' in block_pruning (allowed: block_size, masks, density)"),
                Arguments.of(card("token_pruning", "{\"selectors\": [], \"x\": 1}"),
                        "unknown field 'x' in token_pruning (allowed: selectors)"),
                Arguments.of(tokens("{\"before_block\": 1, \"keep_ratio\": 0.5, \"keep\": 1}"),
                        "unknown field 'keep' in token_pruning.selectors[0] (allowed: before_block, keep_ratio)"),
                Arguments.of(card("name", null), "missing field 'name'"),
                Arguments.of(card("architecture", ARCH.replace("\"depth\": 4, ", "")),
                        "missing field 'depth' in architecture"),
                Arguments.of(card("block_pruning", "{\"masks\": \"from-weights\"}"),
                        "missing field 'block_size' in block_pruning"),
                Arguments.of(card("token_pruning", "{}"), "missing field 'selectors' in token_pruning"),
                Arguments.of(card("name", "5"), "name must be a string, got 5"),
                Arguments.of(card("architecture", arch("embed_dim", "\"32\"")),
                        "architecture.embed_dim must be an integer, got \"32\""),
                Arguments.of(card("architecture", arch("depth", "4.5")), "architecture.depth must be an integer, got 4.5"),
                Arguments.of(card("architecture", arch("mlp_ratio", "null")),
                        "architecture.mlp_ratio must be a number, got null"),
                Arguments.of(card("architecture", "[]"), "architecture must be a JSON object, got []"),
                Arguments.of(card("architecture", arch("family", "\"resnet\"")),
                        "architecture.family must be one of [deit, vit], got \"resnet\""),
                Arguments.of(card("architecture", arch("embed_dim", "0")), "architecture.embed_dim must be positive, got 0"),
                Arguments.of(card("architecture", arch("num_heads", "3")),
                        "architecture: num_heads 3 does not divide embed_dim 32"),
                Arguments.of(card("architecture", arch("image_size", "20")),
                        "architecture: patch_size 8 does not divide image_size 20"),
                Arguments.of(card("weights", "7"), "weights must be a string, got 7"),
                Arguments.of(card("weights", "\"synthetic:one\""),
                        "weights \"synthetic:one\": the seed after synthetic: must be an integer (a 64-bit long)"),
                Arguments.of(card("weights", "\"\""), "weights must name a file or synthetic:SEED, got an empty string"),
                Arguments.of(card("block_pruning", "{\"block_size\": 0, \"masks\": \"from-weights\"}"),
                        "block_pruning.block_size must be positive, got 0"),
                Arguments.of(card("block_pruning", "{\"block_size\": -16, \"masks\": \"from-weights\"}"),
                        "block_pruning.block_size must be positive, got -16"),
                Arguments.of(card("block_pruning", "{\"block_size\": 8, \"masks\": \"random\"}"),
                        "block_pruning.masks must be \"from-weights\" or a map from layer name to .npy path, got \"random\""),
                Arguments.of(card("block_pruning", "{\"block_size\": 8, \"masks\": {\"blocks.0.attn.qkv\": 1}}"),
                        "block_pruning.masks.blocks.0.attn.qkv must be a .npy path string, got 1"),
                Arguments.of(card("block_pruning", "{\"block_size\": 8, \"masks\": {\"blocks.4.attn.qkv\": \"m.npy\"}}"),
                        "block_pruning.masks names unknown layer 'blocks.4.attn.qkv'; expected blocks.{0..3}.{attn.qkv,"
                                + " attn.proj, mlp.fc1, mlp.fc2}"),
                Arguments.of(card("block_pruning", "{\"block_size\": 8, \"masks\": \"from-weights\", \"density\": 1.5}"),
                        "block_pruning.density must be in [0, 1], got 1.5"),
                Arguments.of(card("weights", "\"w.safetensors\"").replace(PRUNING,
                                "{\"block_size\": 8, \"masks\": \"from-weights\", \"density\": 0.5}"),
                        "block_pruning.density is only allowed with synthetic:SEED weights; real weights carry their own"
                                + " sparsity"),
                Arguments.of(card("block_pruning",
                                "{\"block_size\": 8, \"masks\": {\"blocks.0.mlp.fc1\": \"m.npy\"}, \"density\": 0.5}"),
                        "block_pruning.density cannot be combined with a masks map; the .npy masks already say which"
                                + " blocks are kept"),
                Arguments.of(tokens("{\"before_block\": 4, \"keep_ratio\": 0.5}"),
                        "token_pruning.selectors[0].before_block 4 must be below the depth 4"),
                Arguments.of(tokens("{\"before_block\": 2, \"keep_ratio\": 0.5}, {\"before_block\": 2, \"keep_ratio\": 0.4}"),
                        "token_pruning.selectors[1].before_block 2 must be greater than the previous selector's 2"),
                Arguments.of(tokens("{\"before_block\": 1, \"keep_ratio\": 0}"), "keep_ratio must be in (0, 1], got 0.0"),
                Arguments.of(tokens("{\"before_block\": -1, \"keep_ratio\": 0.5}"), "before_block must be >= 0, got -1"),
                Arguments.of(tokens("3"), "token_pruning.selectors[0] must be a JSON object, got 3"),
                Arguments.of(card("token_pruning", "{\"selectors\": {}}"),
                        "token_pruning.selectors must be an array, got {}"),
                Arguments.of(card("architecture", arch("embed_dim", "36")).replace("}}", "}, \"token_pruning\":"
                                + " {\"selectors\": [{\"before_block\": 1, \"keep_ratio\": 0.5}]}}"),
                        "token selectors need a head dim (embed_dim / num_heads) divisible by 4, got 18"));
    }

    @ParameterizedTest
    @MethodSource("badCards")
    void refuses(String json, String problem) throws Exception {
        Path file = dir.resolve("card.json");
        Files.writeString(file, json);
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> ModelCards.load(file), json);
        assertEquals(file + ": " + problem, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(file.toString(), e.file());
    }

    @Test
    void theBaseCardOfThisTestIsValid() {
        assertEquals("t", ModelCards.parse(card("name", "\"t\""), "card.json").name());
    }

    @Test
    void missingAndNonUtf8Files() throws Exception {
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": cannot read: no such file or directory",
                assertThrows(TensorFormatException.class, () -> ModelCards.load(missing)).getMessage());
        Path latin = dir.resolve("latin.json");
        Files.write(latin, new byte[] {'{', (byte) 0xE9, '}'});
        assertEquals(latin + ": not UTF-8 text",
                assertThrows(TensorFormatException.class, () -> ModelCards.load(latin)).getMessage());
        Path target = dir.resolve("no-such-dir").resolve("card.json");
        ModelCard ok = ModelCards.parse(card("name", "\"t\""), "card.json");
        assertTrue(assertThrows(TensorFormatException.class, () -> ModelCards.write(target, ok)).getMessage()
                .startsWith(target + ": cannot write: "));
    }
}
