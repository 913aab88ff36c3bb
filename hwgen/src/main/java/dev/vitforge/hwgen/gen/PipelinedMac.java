package dev.vitforge.hwgen.gen;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * A streaming dot-product unit: each input beat carries a signed pair {@code {b, a}} (a in the
 * low bits); the products accumulate until a beat with TLAST, whose sum leaves as one output
 * beat. Multiply and accumulate are separate pipeline stages (the product register maps onto
 * the DSP's M register); the whole pipeline advances when the output register can take a beat.
 * The accumulator wraps at {@code accWidth} bits, as int32 accumulation on the engine does.
 */
public final class PipelinedMac {
    /** Cycles from a frame's last input handshake to its sum's output handshake when nothing stalls. */
    public static final int LATENCY = 2;

    private PipelinedMac() {}

    public static Module generate(String name, int operandWidth, int accWidth) {
        if (operandWidth < 2 || accWidth < 2 * operandWidth) {
            throw new IllegalArgumentException("mac '" + name + "': need operandWidth >= 2 and accWidth >= "
                    + "2 * operandWidth, got " + operandWidth + " and " + accWidth);
        }
        ModuleBuilder m = new ModuleBuilder(name, "pipelined signed multiply-accumulate over TLAST-framed pairs");
        m.parameter("OPERAND_WIDTH", operandWidth).parameter("ACC_WIDTH", accWidth);
        StreamPort in = StreamPort.input(m, "in", 2 * operandWidth, true);
        StreamPort out = StreamPort.output(m, "out", accWidth, true);

        Signal productValid = m.register("product_valid", 1, 0);
        Signal productLast = m.register("product_last", 1, 0);
        Signal product = m.register("product", 2 * operandWidth, true, null);
        Signal accumulator = m.register("accumulator", accWidth, true, 0L);
        Signal outValid = m.register("out_valid", 1, 0);
        Signal outSum = m.register("out_sum", accWidth, true, null);

        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));
        Expr a = m.let("operand_a", asSigned(slice(in.data().ref(), operandWidth - 1, 0)));
        Expr b = m.let("operand_b", asSigned(slice(in.data().ref(), 2 * operandWidth - 1, operandWidth)));
        m.next(product, advance, mul(a, b));
        m.next(productValid, advance, in.valid().ref());
        m.next(productLast, advance, in.last().ref());

        Expr sum = m.let("sum", truncate(add(accumulator.ref(), extend(product.ref(), accWidth)), accWidth));
        Expr accumulate = m.let("accumulate", and(advance, productValid.ref()));
        Expr finish = m.let("finish", and(accumulate, productLast.ref()));
        m.next(accumulator, accumulate, mux(productLast.ref(), signedConstant(0, accWidth), sum));
        m.next(outSum, finish, sum);
        m.next(outValid, advance, finish);

        m.assign(in.ready(), advance);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), asUnsigned(outSum.ref()));
        m.assign(out.last(), constant(1, 1));
        return m.build();
    }

    /** Reference: the wrapped sum of products of one frame. */
    public static long reference(long[] a, long[] b, int accWidth) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        long mask = accWidth == 64 ? -1L : (1L << accWidth) - 1;
        return sum & mask;
    }
}
