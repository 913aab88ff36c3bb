package dev.vitforge.hwgen.gen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * An AXI4-Lite register file in the Vitis HLS s_axilite layout, so XRT, PYNQ and our host
 * drive it the same way: 0x00 control (bit0 ap_start, bit1 ap_done clear-on-read, bit2
 * ap_idle, bit3 ap_ready, bit7 auto_restart), 0x04 global interrupt enable, 0x08 interrupt
 * enable (bit0 done, bit1 ready), 0x0C interrupt status (write 1 to toggle), 32-bit read/write
 * arguments from 0x10, then read-only status words (ID, version, hash, counters). One
 * outstanding transaction per channel; every response is OKAY.
 */
public final class ControlRegisters {
    private ControlRegisters() {}

    public static final int ADDRESS_WIDTH = 12;
    public static final int FIRST_ARGUMENT = 0x10;

    /** Where each argument and status word lives; it goes into manifest.json. */
    public record Layout(Map<String, Integer> arguments, Map<String, Integer> status) {
        public static Layout of(List<String> arguments, List<String> status) {
            Map<String, Integer> a = new LinkedHashMap<>();
            Map<String, Integer> s = new LinkedHashMap<>();
            int offset = FIRST_ARGUMENT;
            for (String name : arguments) {
                a.put(name, offset);
                offset += 4;
            }
            for (String name : status) {
                s.put(name, offset);
                offset += 4;
            }
            if (offset > (1 << ADDRESS_WIDTH)) {
                throw new IllegalArgumentException("register map needs " + offset + " bytes, more than "
                        + (1 << ADDRESS_WIDTH));
            }
            return new Layout(a, s);
        }
    }

    /**
     * Ports: AXI4-Lite slave {@code s_axi_control_*}; {@code ap_start} out and {@code ap_done},
     * {@code ap_ready}, {@code ap_idle} in (done and ready are one-cycle pulses); one 32-bit
     * output {@code arg_<name>} per argument and one 32-bit input {@code status_<name>} per
     * status word; {@code irq} out (Vitis calls it interrupt, a word Verilator reserves).
     */
    public static Module generate(String name, Layout layout) {
        ModuleBuilder m = new ModuleBuilder(name, "AXI4-Lite control registers, Vitis s_axilite layout");
        m.parameter("ARGUMENTS", String.join(" ", layout.arguments().keySet()))
                .parameter("STATUS", String.join(" ", layout.status().keySet()));
        m.clock();
        m.resetN();
        String p = "s_axi_control_";
        Signal awvalid = m.input(p + "awvalid", 1);
        Signal awready = m.output(p + "awready", 1);
        Signal awaddr = m.input(p + "awaddr", ADDRESS_WIDTH);
        Signal wvalid = m.input(p + "wvalid", 1);
        Signal wready = m.output(p + "wready", 1);
        Signal wdata = m.input(p + "wdata", 32);
        Signal wstrb = m.input(p + "wstrb", 4);
        Signal bvalid = m.output(p + "bvalid", 1);
        Signal bready = m.input(p + "bready", 1);
        Signal bresp = m.output(p + "bresp", 2);
        Signal arvalid = m.input(p + "arvalid", 1);
        Signal arready = m.output(p + "arready", 1);
        Signal araddr = m.input(p + "araddr", ADDRESS_WIDTH);
        Signal rvalid = m.output(p + "rvalid", 1);
        Signal rready = m.input(p + "rready", 1);
        Signal rdata = m.output(p + "rdata", 32);
        Signal rresp = m.output(p + "rresp", 2);
        Signal apStartOut = m.output("ap_start", 1);
        Signal apDone = m.input("ap_done", 1);
        Signal apReady = m.input("ap_ready", 1);
        Signal apIdle = m.input("ap_idle", 1);
        Signal interrupt = m.output("irq", 1);

        Signal bvalidQ = m.register("bvalid", 1, 0);
        Signal rvalidQ = m.register("rvalid", 1, 0);
        Signal rdataQ = m.register("rdata", 32, false, null);
        Signal start = m.register("ap_start", 1, 0);
        Signal doneSticky = m.register("ap_done", 1, 0);
        Signal autoRestart = m.register("auto_restart", 1, 0);
        Signal gie = m.register("global_interrupt_enable", 1, 0);
        Signal ier = m.register("interrupt_enable", 2, 0);
        Signal isr = m.register("interrupt_status", 2, 0);

        // A write moves when address and data are both offered and no response is pending.
        Expr write = m.let("write", and(and(awvalid.ref(), wvalid.ref()), not(bvalidQ.ref())));
        Expr fullWord = m.let("full_word", eq(wstrb.ref(), constant(0xF, 4)));
        Expr read = m.let("read", and(arvalid.ref(), not(rvalidQ.ref())));
        Expr writeTo = m.let("write_word", slice(awaddr.ref(), ADDRESS_WIDTH - 1, 2));
        Expr readFrom = m.let("read_word", slice(araddr.ref(), ADDRESS_WIDTH - 1, 2));
        Expr writes = and(write, fullWord);

        m.next(bvalidQ, or(write, and(bvalidQ.ref(), not(bready.ref()))));
        m.next(rvalidQ, or(read, and(rvalidQ.ref(), not(rready.ref()))));

        Expr ctrlWrite = m.let("ctrl_write", and(writes, at(writeTo, 0x00)));
        Expr ctrlRead = m.let("ctrl_read", and(read, at(readFrom, 0x00)));
        Expr startRequest = and(ctrlWrite, bit(wdata.ref(), 0));
        // ap_start stays high until the kernel takes the job (ap_ready), unless auto_restart keeps it.
        m.next(start, or(startRequest, and(start.ref(), or(not(apReady.ref()), autoRestart.ref()))));
        m.next(autoRestart, ctrlWrite, bit(wdata.ref(), 7));
        m.next(doneSticky, or(apDone.ref(), and(doneSticky.ref(), not(ctrlRead))));
        m.next(gie, and(writes, at(writeTo, 0x04)), bit(wdata.ref(), 0));
        m.next(ier, and(writes, at(writeTo, 0x08)), slice(wdata.ref(), 1, 0));
        Expr raised = and(ier.ref(), concat(apReady.ref(), apDone.ref()));
        Expr toggled = mux(and(writes, at(writeTo, 0x0C)), slice(wdata.ref(), 1, 0), constant(0, 2));
        m.next(isr, xor(or(isr.ref(), raised), toggled));

        List<Signal> argumentRegisters = new ArrayList<>();
        for (Map.Entry<String, Integer> a : layout.arguments().entrySet()) {
            Signal r = m.register("arg_" + a.getKey(), 32, 0);
            m.next(r, and(writes, at(writeTo, a.getValue())), wdata.ref());
            argumentRegisters.add(r);
            m.assign(m.output("arg_" + a.getKey() + "_value", 32), r.ref());
        }

        Expr control = concat(autoRestart.ref(), constant(0, 3), apReady.ref(), apIdle.ref(),
                doneSticky.ref(), start.ref());
        Expr value = constant(0, 32);
        value = mux(at(readFrom, 0x00), extend(control, 32), value);
        value = mux(at(readFrom, 0x04), extend(gie.ref(), 32), value);
        value = mux(at(readFrom, 0x08), extend(ier.ref(), 32), value);
        value = mux(at(readFrom, 0x0C), extend(isr.ref(), 32), value);
        int i = 0;
        for (Map.Entry<String, Integer> a : layout.arguments().entrySet()) {
            value = mux(at(readFrom, a.getValue()), argumentRegisters.get(i++).ref(), value);
        }
        for (Map.Entry<String, Integer> s : layout.status().entrySet()) {
            value = mux(at(readFrom, s.getValue()), m.input("status_" + s.getKey(), 32).ref(), value);
        }
        m.next(rdataQ, read, value);

        m.assign(awready, write);
        m.assign(wready, write);
        m.assign(bvalid, bvalidQ.ref());
        m.assign(bresp, constant(0, 2));
        m.assign(arready, read);
        m.assign(rvalid, rvalidQ.ref());
        m.assign(rdata, rdataQ.ref());
        m.assign(rresp, constant(0, 2));
        m.assign(apStartOut, start.ref());
        m.assign(interrupt, and(gie.ref(), reduceOr(isr.ref())));
        return m.build();
    }

    private static Expr at(Expr word, int byteAddress) {
        return eq(word, constant(byteAddress >> 2, ADDRESS_WIDTH - 2));
    }
}
