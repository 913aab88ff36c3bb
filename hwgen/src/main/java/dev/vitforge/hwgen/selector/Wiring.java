package dev.vitforge.hwgen.selector;

import java.util.HashMap;
import java.util.Map;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Ops;
import dev.vitforge.hwgen.ir.Signal;

/** Port plumbing the fused selector tops share when they instantiate the stand-alone kernels. */
final class Wiring {
    private Wiring() {}

    static Map<String, Expr> common(Expr clk, Expr rstN) {
        Map<String, Expr> in = new HashMap<>();
        in.put("clk", clk);
        in.put("rst_n", rstN);
        return in;
    }

    /** The kernel's {@code param} stream inputs from a top-level stream of the same shape named {@code top}. */
    static void passParam(ModuleBuilder m, String top, Module kernel, Map<String, Expr> inputs) {
        inputs.put("param_tvalid", m.input(top + "_tvalid", 1).ref());
        inputs.put("param_tdata", m.input(top + "_tdata", kernel.port("param_tdata").orElseThrow().width()).ref());
        if (kernel.port("param_tlast").isPresent()) {
            inputs.put("param_tlast", m.input(top + "_tlast", 1).ref());
        }
    }

    /** The kernel's {@code param_tready} drives the top-level stream's ready. */
    static void readyOut(ModuleBuilder m, Map<String, Signal> outputs, String top) {
        outputs.put("param_tready", m.output(top + "_tready", 1));
    }

    static Signal wire(ModuleBuilder m, String name, int width, Map<String, Signal> outputs, String port) {
        Signal w = m.wire(name, width);
        outputs.put(port, w);
        return w;
    }

    /** A stream between two instances: valid, data and last wires from the producer. */
    record Out(Signal valid, Signal data, Signal last) {}

    /**
     * A {@link MatVecUnit} instance {@code u_<name>} with its {@code param} stream from the top-level
     * stream {@code <name>_param}: input from {@code inValid}/{@code inData} (its ready into {@code inReady}),
     * output into new wires {@code <name>_out_*}, taken when {@code outReady}.
     */
    static Out matVec(ModuleBuilder m, String name, Module kernel, Expr clk, Expr rstN, Expr inValid, Expr inData,
                      Signal inReady, Expr outReady) {
        Map<String, Expr> in = common(clk, rstN);
        passParam(m, name + "_param", kernel, in);
        return connect(m, name, kernel, in, inValid, inData, inReady, outReady);
    }

    /**
     * A {@link GeluUnit} instance {@code u_<name>} for {@code channels} channels: its constants from
     * top-level ports {@code <name>_b}, {@code <name>_c}, {@code <name>_out_mult}, {@code <name>_out_shift},
     * its table from the stream {@code <name>_param}; input from {@code inValid}/{@code inData}/{@code inLast}
     * (ready into {@code inReady}), output into new wires {@code <name>_out_*}, taken when {@code outReady}.
     */
    static Out gelu(ModuleBuilder m, String name, Module kernel, int channels, Expr clk, Expr rstN, Expr inValid,
                    Expr inData, Expr inLast, Signal inReady, Expr outReady) {
        Map<String, Expr> in = common(clk, rstN);
        in.put("channels", Ops.constant(channels, kernel.port("channels").orElseThrow().width()));
        in.put("gelu_b", m.inputSigned(name + "_b", 64).ref());
        in.put("gelu_c", m.inputSigned(name + "_c", 64).ref());
        in.put("out_mult", m.input(name + "_out_mult", Arith.MULT_WIDTH).ref());
        in.put("out_shift", m.input(name + "_out_shift", Arith.SHIFT_WIDTH).ref());
        passParam(m, name + "_param", kernel, in);
        in.put("in_tlast", inLast);
        return connect(m, name, kernel, in, inValid, inData, inReady, outReady);
    }

    /** The kernel's data streams and {@code param} ready, then the instance; its outputs into new wires. */
    private static Out connect(ModuleBuilder m, String name, Module kernel, Map<String, Expr> in, Expr inValid,
                               Expr inData, Signal inReady, Expr outReady) {
        in.put("in_tvalid", inValid);
        in.put("in_tdata", inData);
        in.put("out_tready", outReady);
        Map<String, Signal> out = new java.util.LinkedHashMap<>();
        out.put("in_tready", inReady);
        readyOut(m, out, name + "_param");
        Out o = new Out(wire(m, name + "_out_valid", 1, out, "out_tvalid"),
                wire(m, name + "_out_data", kernel.port("out_tdata").orElseThrow().width(), out, "out_tdata"),
                wire(m, name + "_out_last", 1, out, "out_tlast"));
        m.instance(name, kernel, in, out);
        return o;
    }
}
