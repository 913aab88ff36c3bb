package dev.vitforge.sim.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmEngine;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.tools.Lint;

/** The GEMM engine across its parameter space is silent under verilator -Wall and compiles in Icarus. */
class GemmEngineLintTest {

    @ParameterizedTest(name = "B={0} tile={1} lanes={2} maxK={3} maxM={4} columns={5} x={6}")
    @CsvSource({"8, 1, 3, 5, 3, 2, 1", "16, 16, 4, 3072, 588, 192, 4", "32, 16, 1, 64, 1, 1, 16",
            "64, 8, 2, 4096, 2352, 48, 2", "2, 64, 1, 1, 1, 1, 1", "8, 8, 2, 3, 9, 2, 8"})
    void lintAndIcarusAreClean(int b, int tile, int lanes, int maxK, int maxM, int columns, int x) {
        Design d = GemmEngine.design(GemmConfig.of(b, tile, lanes, maxK, maxM, columns, x));
        Path dir = Path.of("target", "work", "lint_" + d.top().name());
        assertEquals("", Lint.verilator(d, dir.resolve("verilator")));
        assertEquals("", Lint.icarus(d, dir.resolve("icarus")));
    }
}
