package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.vitforge.hwgen.ir.Hashing;

/** generate writes the RTL, files.f, manifest (with its top and RTL hash), XDC and Tcl — or nothing. */
class GenerateCommandTest {
    @TempDir
    Path dir;

    private static int run(String... args) {
        return Cli.run(args).code();
    }

    @Test
    void writesTheBitstreamSources() throws IOException {
        Path out = dir.resolve("hw");
        String card = Path.of("..", "models", "zoo", "deit-tiny-b16-s50-k70.json").toString();
        assertEquals(0, run("generate", "--model", card, "--board", "kv260", "--out", out.toString()));
        JsonObject manifest = JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject();
        String top = manifest.get("top").getAsString();
        List<String> files = Files.readAllLines(out.resolve("files.f"));
        assertTrue(files.contains("rtl/" + top + ".v"), files.toString());
        StringBuilder all = new StringBuilder();
        for (String f : files) {
            all.append(Path.of(f).getFileName()).append('\n').append(Files.readString(out.resolve(f)));
        }
        assertEquals(Hashing.sha256(all.toString()), manifest.get("rtl_sha256").getAsString());
        assertTrue(Files.readString(out.resolve("kv260.xdc")).contains("create_clock -name ap_clk -period 5.000"));
        assertTrue(Files.readString(out.resolve("vivado/build.tcl")).contains("-part xck26-sfvc784-2LV-c"));
        assertTrue(manifest.getAsJsonObject("registers").getAsJsonObject("arguments").has("columns_0"));
        assertTrue(manifest.get("predicted_gemm_cycles").getAsLong() > 0);
        // The selector unit's kernels, sized from the card, are listed and their RTL is in files.f.
        JsonObject unit = manifest.getAsJsonObject("selector_unit");
        // The KV260 has no room for the 16-lane unit beside its engine: the plan gives it fewer lanes.
        int lanes = unit.get("lanes").getAsInt();
        assertTrue(lanes < 16 && Integer.bitCount(lanes) == 1, "lanes " + lanes);
        for (var kernel : unit.getAsJsonArray("kernels")) {
            assertTrue(files.contains("rtl/" + kernel.getAsString() + ".v"), kernel + " in " + files);
        }
        assertEquals(3, unit.getAsJsonArray("stages").size());
        assertEquals(manifest.get("predicted_gemm_cycles").getAsLong()
                + manifest.get("predicted_selector_cycles").getAsLong(), manifest.get("predicted_cycles").getAsLong());

        // The ZCU102's plan takes the fused selector: its six stages, sized from the card, are in files.f.
        Path fused = dir.resolve("fused");
        assertEquals(0, run("generate", "--model", card, "--board", "zcu102", "--out", fused.toString()));
        JsonObject m2 = JsonParser.parseString(Files.readString(fused.resolve("manifest.json"))).getAsJsonObject();
        assertFalse(m2.has("selector_unit"));
        JsonObject chain = m2.getAsJsonObject("fused_selector");
        List<String> fusedFiles = Files.readAllLines(fused.resolve("files.f"));
        assertEquals(6, chain.getAsJsonArray("stages").size());
        for (var stage : chain.getAsJsonArray("stages")) {
            assertTrue(fusedFiles.contains("rtl/" + stage.getAsString() + ".v"), stage + " in " + fusedFiles);
        }
        assertEquals(256, chain.get("max_tokens").getAsInt());

        assertNotEquals(0, run("generate", "--model", card, "--out", out.toString()), "an existing DIR is refused");
        Path missing = dir.resolve("none");
        assertNotEquals(0, run("generate", "--model", card, "--board", "zcu1", "--out", missing.toString()));
        assertFalse(Files.exists(missing));
        try (var left = Files.list(dir)) {
            assertEquals(2, left.count(), "no temporary directories left behind");
        }
    }
}
