package dev.vitforge.sim.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmEngine;
import dev.vitforge.hwgen.plan.ResourceEstimate;
import dev.vitforge.sim.tools.Synthesis;

/**
 * A memory of the builder maps onto block RAM (the GEMM engine's X buffer for a DeiT-B-sized K),
 * and the plan's resource estimate agrees with Yosys on the BRAMs and the DSPs.
 */
class BlockRamTest {

    @Test
    void xBufferBecomesBlockRam() {
        GemmConfig c = GemmConfig.of(4, 8, 1, 3072, 16, 2);
        Synthesis.Report r = Synthesis.xilinx(GemmEngine.design(c), Path.of("target", "work", "bram"));
        assertTrue(r.count("RAMB") > 0, "no block RAM: " + r.cells());
        ResourceEstimate estimate = ResourceEstimate.of(c);
        assertEquals(estimate.bram36(), r.count("RAMB36"), r.cells().toString());
        assertEquals(estimate.dsp(), r.count("DSP48"), r.cells().toString());
    }
}
