package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;

/**
 * The whole flow on a small pruned ViT with a token selector: sim (every product on the
 * generated GEMM engine under Verilator) and cpu give identical logits, and the report has the
 * keys ARCHITECTURE.md names, with measured cycles equal to the plan's model.
 */
class RunCommandTest {
    @TempDir
    Path dir;

    private static final String CARD = """
            {
              "name": "tiny-b16-s50-k70",
              "architecture": {"family": "deit", "embed_dim": EMBED, "depth": 2, "num_heads": HEADS, "mlp_ratio": 2.0,
                               "patch_size": 8, "image_size": 32, "in_chans": 3, "num_classes": 10},
              "weights": "synthetic:7",
              "block_pruning": {"block_size": 16, "masks": "from-weights", "density": 0.5},
              "token_pruning": {"selectors": [{"before_block": 1, "keep_ratio": 0.7}]}
            }
            """;

    private static int run(String... args) {
        return Cli.run(args).code();
    }

    /**
     * D 64 / H 2 (d 32): the plan puts the fused selector beside the engine; D 48 / H 4 (d 12, not a
     * multiple of 8): the selector unit, its linear layers on the engine.
     */
    @ParameterizedTest(name = "D = {0}, H = {1}: {2}")
    @CsvSource({"64, 2, fused selector", "48, 4, selector unit"})
    void simAndCpuAgreeBitForBit(int embed, int heads, String selector) throws IOException {
        Path card = dir.resolve("tiny.json");
        Files.writeString(card, CARD.replace("EMBED", String.valueOf(embed)).replace("HEADS", String.valueOf(heads)));
        float[] pixels = new float[3 * 32 * 32];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        Npy.write(dir.resolve("p.npy"), new Float32Tensor(new int[] {3, 32, 32}, pixels));
        JsonObject[] reports = new JsonObject[2];
        String[] devices = {"sim", "cpu"};
        for (int d = 0; d < 2; d++) {
            Path json = dir.resolve(devices[d] + ".json");
            assertEquals(0, run("run", "--model", card.toString(), "--pixels", dir.resolve("p.npy").toString(),
                    "--device", devices[d], "--json", json.toString()));
            reports[d] = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            for (String key : new String[] {"logits", "top5", "tokens_kept", "layers", "total_cycles", "clock_mhz",
                    "latency_ms", "bytes_to_device", "bytes_from_device", "device"}) {
                assertTrue(reports[d].has(key), devices[d] + " report lacks " + key);
            }
        }
        assertEquals(reports[1].get("logits"), reports[0].get("logits"), "sim and cpu logits");
        assertEquals(reports[1].get("tokens_kept"), reports[0].get("tokens_kept"));
        assertEquals(reports[1].get("total_cycles"), reports[0].get("total_cycles"), "measured cycles = the model's");
        // The selector took its models' cycles, stage by stage or kernel by kernel.
        assertTrue(reports[0].get("selectors_on").getAsString().startsWith(selector), reports[0].toString());
        String parts = selector.startsWith("fused") ? "selector_work_cycles_by_stage" : "selector_work_cycles_by_kernel";
        assertTrue(reports[0].has(parts), reports[0].toString());
        assertEquals(reports[1].get(parts), reports[0].get(parts));
        assertEquals(reports[1].get("selector_cycles"), reports[0].get("selector_cycles"));
        assertTrue(reports[0].get("selector_cycles").getAsLong() > 0);
        assertEquals(reports[0].get("total_cycles").getAsLong(), reports[0].get("gemm_cycles").getAsLong()
                + reports[0].get("selector_cycles").getAsLong());
        assertTrue(reports[0].get("bytes_to_device").getAsLong() > 0);

        assertNotEquals(0, run("run", "--model", card.toString(), "--pixels", card.toString(), "--device", "cpu"));
        Path out = dir.resolve("never.json");
        assertNotEquals(0, run("run", "--model", card.toString(), "--device", "xdma", "--json", out.toString()));
        assertFalse(Files.exists(out));
    }
}
