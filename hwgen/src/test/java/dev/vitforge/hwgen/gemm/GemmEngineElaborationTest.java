package dev.vitforge.hwgen.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.emit.VerilogEmitter;
import dev.vitforge.hwgen.ir.Design;

/** The engine elaborates (every check passes) across its parameter space, deterministically. */
class GemmEngineElaborationTest {

    @ParameterizedTest(name = "B={0} tile={1} lanes={2} maxK={3} maxM={4} columns={5}")
    @CsvSource({"8, 8, 1, 100, 197, 8", "16, 8, 2, 768, 197, 48", "32, 16, 1, 64, 1, 1", "8, 1, 3, 5, 3, 2",
            "16, 16, 4, 3072, 197, 192"})
    void elaboratesAndEmitsTheSameBytes(int b, int tile, int lanes, int maxK, int maxM, int columns) throws IOException {
        GemmConfig c = GemmConfig.of(b, tile, lanes, maxK, maxM, columns);
        Design d = GemmEngine.design(c);
        Map<String, String> first = VerilogEmitter.emit(d);
        assertEquals(first, VerilogEmitter.emit(GemmEngine.design(c)));
        assertTrue(first.containsKey(d.top().name() + ".v"));
        Path out = Path.of("target", "emitted", "gemm_" + c.tag());
        Files.createDirectories(out);
        for (Map.Entry<String, String> f : first.entrySet()) {
            Files.writeString(out.resolve(f.getKey()), f.getValue());
        }
    }
}
