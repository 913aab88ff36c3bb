package dev.vitforge.hwgen.gen;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Ops;
import dev.vitforge.hwgen.ir.Signal;

/** The ports of one valid/ready stream named by AXI4-Stream convention; {@code last} may be null. */
public record StreamPort(String name, Signal valid, Signal ready, Signal data, Signal last) {

    public static StreamPort input(ModuleBuilder m, String name, int width, boolean withLast) {
        Signal valid = m.input(name + "_tvalid", 1);
        Signal ready = m.output(name + "_tready", 1);
        Signal data = m.input(name + "_tdata", width);
        Signal last = withLast ? m.input(name + "_tlast", 1) : null;
        return new StreamPort(name, valid, ready, data, last);
    }

    public static StreamPort output(ModuleBuilder m, String name, int width, boolean withLast) {
        Signal valid = m.output(name + "_tvalid", 1);
        Signal ready = m.input(name + "_tready", 1);
        Signal data = m.output(name + "_tdata", width);
        Signal last = withLast ? m.output(name + "_tlast", 1) : null;
        return new StreamPort(name, valid, ready, data, last);
    }

    /** valid && ready: a beat moves this cycle. */
    public Expr fire() {
        return Ops.and(valid.ref(), ready.ref());
    }
}
