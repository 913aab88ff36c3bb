package dev.vitforge.sim.verilator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BuildFailureTest {
    @Test
    void brokenVerilogReportsCommandLogAndWorkspace() {
        RtlSource bad = RtlSource.single("broken", "module broken(input clk, output q); assign q = nope; endmodule\n",
                List.of(PortSpec.in("clk", 1), PortSpec.out("q", 1)));
        VerilatorException e = assertThrows(VerilatorException.class, () -> VerilatorModel.build(bad));
        String m = e.getMessage();
        assertTrue(m.contains("command: ") && m.contains("--top-module broken"), m);
        assertTrue(m.contains("workspace: ") && m.contains("log tail:"), m);
        assertTrue(m.contains("nope"), m);
    }
}
