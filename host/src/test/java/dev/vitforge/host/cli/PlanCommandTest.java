package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.vitforge.hwgen.plan.ResourceEstimate;
import dev.vitforge.hwgen.selector.FusedSelector;

/** The plan command on the zoo's DeiT-T card: JSON keys, sizes with reasons, bad input. */
class PlanCommandTest {
    @TempDir
    Path dir;

    private static final Path ZOO = Path.of("..", "models", "zoo");

    private static String[] err(String... args) {
        Cli.Outcome o = Cli.run(args);
        return new String[] {String.valueOf(o.code()), o.err()};
    }

    @Test
    void writesPredictedCyclesAndEverySizeWithItsReason() throws IOException {
        Path json = dir.resolve("plan.json");
        String[] r = err("plan", "--model", ZOO.resolve("deit-tiny-b16-s50-k70.json").toString(), "--json", json.toString());
        assertEquals("0", r[0], r[1]);
        JsonObject plan = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        long cycles = plan.get("predicted_gemm_cycles").getAsLong();
        long bound = plan.get("compute_bound_cycles").getAsLong();
        assertTrue(cycles >= bound && cycles < 1.5 * bound, cycles + " vs bound " + bound);
        JsonObject engine = plan.getAsJsonObject("engine");
        for (String size : new String[] {"block_size", "row_tile", "lanes", "max_k", "max_m", "max_columns"}) {
            assertTrue(engine.getAsJsonObject(size).has("why"), size);
        }
        long sum = 0;
        for (var layer : plan.getAsJsonArray("layers")) {
            sum += layer.getAsJsonObject().get("predicted_cycles").getAsLong();
        }
        assertEquals(cycles, sum);
        // The ZCU102 takes the fused selector: one stage per selector, its work = the stages' models, and what
        // it adds (the following qkv's delay) added to the engine's cycles.
        assertEquals("fused", plan.getAsJsonObject("selector").getAsJsonObject("kind").get("value").getAsString());
        var stages = plan.getAsJsonArray("selector_stages");
        assertEquals(3, stages.size());
        long added = 0;
        int[] patches = {196, 137, 96};
        FusedSelector.Shapes shapes = FusedSelector.Shapes.of(192, 3);
        for (int j = 0; j < 3; j++) {
            JsonObject s = stages.get(j).getAsJsonObject();
            assertEquals(patches[j], s.get("patches").getAsInt());
            assertEquals(FusedSelector.cycles(shapes, patches[j]), s.get("work_cycles").getAsLong());
            long a = s.get("added_cycles").getAsLong();
            assertTrue(a > 0 && a < 0.1 * s.get("work_cycles").getAsLong(), "it overlaps the engine: " + s);
            added += a;
        }
        assertEquals(added, plan.get("predicted_selector_cycles").getAsLong());
        assertEquals(cycles + added, plan.get("predicted_cycles").getAsLong());
        // Its resources beside the engine's; on the ZCU102 both fit.
        JsonObject resources = plan.getAsJsonObject("resources");
        assertEquals(ResourceEstimate.fusedSelector(shapes).dsp(),
                resources.getAsJsonObject("fused_selector").get("dsp").getAsInt());
        assertTrue(resources.get("fits_with_selector").getAsBoolean());
    }

    @Test
    void engineAndSelectorUnitAreSizedTogether() throws IOException {
        String card = ZOO.resolve("deit-tiny-b16-s50-k70.json").toString();
        for (String board : new String[] {"zcu102", "zcu104", "kv260", "u50"}) {
            Path json = dir.resolve(board + ".json");
            String[] r = err("plan", "--model", card, "--board", board, "--json", json.toString());
            assertEquals("0", r[0], r[1]);
            JsonObject plan = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertTrue(plan.getAsJsonObject("resources").get("fits_with_selector").getAsBoolean(), board);
            JsonObject selector = plan.getAsJsonObject("selector");
            String kind = selector.getAsJsonObject("kind").get("value").getAsString();
            // The fused selector's 1,100 DSPs leave the ZCU104's and the KV260's engines too few: the unit there.
            assertEquals(board.equals("zcu102") || board.equals("u50") ? "fused" : "unit", kind, board);
            if (kind.equals("unit")) {
                int lanes = selector.getAsJsonObject("lanes").get("value").getAsInt();
                assertTrue(lanes >= 1 && lanes <= 16 && Integer.bitCount(lanes) == 1, board + ": " + lanes);
            }
        }
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws IOException {
        Files.writeString(dir.resolve("broken.json"), "{\"name\": ");
        Path json = dir.resolve("plan.json");
        String[][] cases = {
                {"plan", "--model", dir.resolve("missing.json").toString(), "--json", json.toString()},
                {"plan", "--model", dir.resolve("broken.json").toString(), "--json", json.toString()},
                {"plan", "--model", ZOO.resolve("deit-tiny-b16-s50-k70.json").toString(), "--board", "zcu1",
                        "--json", json.toString()},
        };
        for (String[] c : cases) {
            String[] r = err(c);
            assertFalse(r[0].equals("0"), String.join(" ", c));
            assertEquals(1, r[1].strip().lines().count(), r[1]);
            assertTrue(r[1].startsWith("vitforge plan: "), r[1]);
            assertFalse(Files.exists(json));
        }
    }
}
