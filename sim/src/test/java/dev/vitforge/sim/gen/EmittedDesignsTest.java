package dev.vitforge.sim.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmEngine;
import dev.vitforge.hwgen.gen.Examples;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.CrossSimulation;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.tools.Lint;
import dev.vitforge.sim.tools.Synthesis;
import dev.vitforge.sim.verilator.RtlSource;

/** Every example design: lint-clean, Icarus-clean, synthesisable, and Verilator agrees with Icarus. */
class EmittedDesignsTest {

    static Stream<Design> designs() {
        // The GEMM engine at a small size: two lanes, a non-power-of-two K, every feature present.
        Design gemm = GemmEngine.design(GemmConfig.of(8, 4, 2, 20, 9, 3));
        return Stream.concat(Examples.all().stream(), Stream.of(gemm));
    }

    private static Path work(Design d, String what) {
        return Path.of("target", "work", d.top().name(), what);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("designs")
    void verilatorLintIsSilent(Design d) {
        assertEquals("", Lint.verilator(d, work(d, "lint")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("designs")
    void icarusCompilesWithoutComplaint(Design d) {
        assertEquals("", Lint.icarus(d, work(d, "icarus")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("designs")
    void yosysSynthesisesForXilinx(Design d) {
        Synthesis.Report r = Synthesis.xilinx(d, work(d, "synth"));
        assertTrue(r.count("FD") > 0, "no flip-flops after synthesis: " + r.cells());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("designs")
    void verilatorAgreesWithIcarusOnRandomStimulus(Design d) {
        long seed = Seeds.of("cross-simulation " + d.top().name(), 17);
        RtlSource source = DesignFiles.source(d);
        CrossSimulation.Stimulus stimulus = CrossSimulation.random(source, seed, 400);
        assertNull(CrossSimulation.disagreement(d, source, stimulus, work(d, "cross")),
                Seeds.replay("sim", "EmittedDesignsTest", seed));
    }
}
