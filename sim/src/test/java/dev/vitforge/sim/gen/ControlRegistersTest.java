package dev.vitforge.sim.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.gen.ControlRegisters;
import dev.vitforge.hwgen.gen.ControlRegistersModel;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.tb.AxiLiteMaster;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/** The Vitis-layout register file through an AXI4-Lite master against its reference model. */
class ControlRegistersTest {
    private static final ControlRegisters.Layout LAYOUT =
            ControlRegisters.Layout.of(List.of("m", "k", "n"), List.of("id", "cycles"));

    private static SimInstance start() {
        Design d = Design.of(ControlRegisters.generate("control_registers", LAYOUT), "ControlRegisters(m k n; id cycles)");
        SimInstance sim = VerilatorModel.build(DesignFiles.source(d)).newInstance();
        for (String input : List.of("ap_done", "ap_ready", "ap_idle", "status_id", "status_cycles")) {
            sim.poke(input, 0);
        }
        sim.reset(2);
        return sim;
    }

    @Test
    void randomReadsAndWritesMatchTheModel() {
        long seed = Seeds.of("control registers", 5);
        Random random = new Random(seed);
        ControlRegistersModel model = new ControlRegistersModel(LAYOUT);
        int[] addresses = {0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x40};
        try (SimInstance sim = start()) {
            AxiLiteMaster axi = new AxiLiteMaster(sim, "s_axi_control", 20);
            sim.poke("ap_idle", 1);
            sim.poke("status_id", 0x56495446L);
            model.kernel(true, false);
            model.status("id", 0x56495446);
            for (int i = 0; i < 400; i++) {
                int address = addresses[random.nextInt(addresses.length)];
                if (random.nextBoolean()) {
                    int data = random.nextInt();
                    assertEquals(0, axi.write(address, data));
                    model.write(address, data);
                } else {
                    int cycles = random.nextInt();
                    sim.poke("status_cycles", Integer.toUnsignedLong(cycles));
                    model.status("cycles", cycles);
                    assertEquals(model.read(address), axi.read(address),
                            "read of 0x" + Integer.toHexString(address) + " at step " + i + "; "
                                    + Seeds.replay("sim", "ControlRegistersTest", seed));
                }
                assertEquals(model.irq() ? 1 : 0, sim.peek("irq"), "irq at step " + i);
                assertEquals(model.read(0x10), (int) sim.peek("arg_m_value"));
            }
        }
    }

    @Test
    void startDoneHandshakeAndInterrupt() {
        ControlRegistersModel model = new ControlRegistersModel(LAYOUT);
        try (SimInstance sim = start()) {
            AxiLiteMaster axi = new AxiLiteMaster(sim, "s_axi_control", 20);
            axi.write(0x04, 1);
            axi.write(0x08, 1);
            model.write(0x04, 1);
            model.write(0x08, 1);
            axi.write(0x00, 1);
            model.write(0x00, 1);
            assertEquals(1, sim.peek("ap_start"));
            pulse(sim, "ap_ready");
            model.kernelReady();
            assertEquals(0, sim.peek("ap_start"), "ap_start drops when the kernel takes the job");
            assertEquals(0, sim.peek("irq"));
            pulse(sim, "ap_done");
            model.kernelDone();
            assertEquals(1, sim.peek("irq"), "done raises the interrupt when enabled");
            assertEquals(model.read(0x00), axi.read(0x00));
            assertEquals(0, axi.read(0x00) & 2, "ap_done clears on read");
            axi.write(0x0C, 1);
            model.write(0x0C, 1);
            assertEquals(0, sim.peek("irq"), "writing 1 to ISR toggles the status off");
            assertEquals(model.read(0x0C), axi.read(0x0C));
        }
    }

    private static void pulse(SimInstance sim, String port) {
        sim.poke(port, 1);
        sim.step(1);
        sim.poke(port, 0);
        sim.step(1);
    }
}
