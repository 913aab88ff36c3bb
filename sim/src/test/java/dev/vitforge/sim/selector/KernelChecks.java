package dev.vitforge.sim.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.function.Consumer;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.CrossSimulation;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.tools.Lint;
import dev.vitforge.sim.verilator.RtlSource;

/** The checks every selector kernel's test makes of its RTL besides its function: lint, and Icarus agreeing. */
final class KernelChecks {
    private KernelChecks() {}

    /** A work directory for one tool run on the design, under target/work/<top>. */
    static Path work(Design d, String what) {
        return Path.of("target", "work", d.top().name(), what);
    }

    /** Verilator -Wall and iverilog print nothing for the design. */
    static void assertLintClean(Design d) {
        assertEquals("", Lint.verilator(d, work(d, "lint")), "verilator -Wall, " + d.top().name());
        assertEquals("", Lint.icarus(d, work(d, "icarus")), "iverilog, " + d.top().name());
    }

    /** Verilator and Icarus agree on every output, every cycle, of {@code cycles} cycles of seeded random stimulus. */
    static void assertIcarusAgrees(Design d, long seed, int cycles, String testClass) {
        assertIcarusAgrees(d, seed, cycles, testClass, stimulus -> { });
    }

    /** As above, with the random stimulus adjusted first (a port held at a value, say). */
    static void assertIcarusAgrees(Design d, long seed, int cycles, String testClass,
                                   Consumer<CrossSimulation.Stimulus> adjust) {
        RtlSource source = DesignFiles.source(d);
        CrossSimulation.Stimulus stimulus = CrossSimulation.random(source, seed, cycles);
        adjust.accept(stimulus);
        assertNull(CrossSimulation.disagreement(d, source, stimulus, work(d, "cross")),
                Seeds.replay("sim", testClass, seed));
    }
}
