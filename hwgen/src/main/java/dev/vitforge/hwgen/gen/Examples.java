package dev.vitforge.hwgen.gen;

import java.util.List;

import dev.vitforge.hwgen.ir.Design;

/** The small generators at the sizes the tests, the demo and the benchmarks use. */
public final class Examples {
    private Examples() {}

    public static Design fifo() {
        return Design.of(StreamFifo.generate("stream_fifo_w8_d8", 8, 8, true), "StreamFifo(8, 8, tlast)");
    }

    public static Design mac() {
        return Design.of(PipelinedMac.generate("mac_s8_acc32", 8, 32), "PipelinedMac(8, 32)");
    }

    public static Design upsizer() {
        return Design.of(StreamUpsizer.generate("upsizer_w8_r3", 8, 3), "StreamUpsizer(8, 3)");
    }

    public static Design controlRegisters() {
        ControlRegisters.Layout layout = ControlRegisters.Layout.of(List.of("m", "k", "n"), List.of("id", "cycles"));
        return Design.of(ControlRegisters.generate("control_registers", layout), "ControlRegisters(m k n; id cycles)");
    }

    public static List<Design> all() {
        return List.of(fifo(), mac(), upsizer(), controlRegisters());
    }
}
