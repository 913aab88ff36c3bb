package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * A mean over a TLAST-framed group as the selector takes it: the group's int32 values summed in a
 * long, then one {@code Requant(mult, shift).toInt8}. The selector needs it twice with different
 * factors, which is why the factor is a port: the channel mean of the head gate (d values per
 * token and head, factor s_x / (d s_c)) and the global half's token mean (n int8 values per head
 * and channel, factor {@code IntegerSelector.reciprocal(n)}).
 *
 * <p>The sum is a wrapping 64-bit accumulator, the reference's long, so it is exact for groups of
 * up to 2^32 int32 values. The requantisation keeps {@code Requant.apply}'s 64-bit result (the
 * exact round-half-up value truncated to a long) before it saturates to int8, so even a factor
 * large enough to overflow the reference's long gives the reference's byte.
 *
 * <p>Ports: config {@code mult} (31), {@code shift} (7); stream {@code in}: signed int32, TLAST on
 * each group's last value; stream {@code out}: one int8 per group, TLAST always 1. One input beat
 * per cycle; two register stages (the accumulator, the output).
 */
public final class GroupMeanUnit {
    /** Cycles from a group's last input handshake to its output handshake when nothing stalls. */
    public static final int LATENCY = 2;

    private GroupMeanUnit() {}

    public static Design design() {
        return Design.of(generate("selector_group_mean"), "GroupMeanUnit.design()");
    }

    /**
     * Cycles from the first input handshake to the last output handshake with every stream at full
     * rate: one beat per cycle and the drain of the last group; the number of groups does not
     * matter since at most one result leaves per input beat.
     */
    public static long cycles(int beats, int groups) {
        if (groups < 0 || groups > beats || (beats > 0 && groups == 0)) {
            throw new IllegalArgumentException(beats + " beats cannot form " + groups + " groups");
        }
        return beats == 0 ? 0 : (long) beats + LATENCY;
    }

    public static Module generate(String name) {
        ModuleBuilder m = new ModuleBuilder(name, "selector group mean: 64-bit group sum, requantise to int8");
        Signal mult = m.input("mult", Arith.MULT_WIDTH);
        Signal shift = m.input("shift", Arith.SHIFT_WIDTH);
        StreamPort in = StreamPort.input(m, "in", 32, true);
        StreamPort out = StreamPort.output(m, "out", 8, true);

        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));
        Expr accept = m.let("accept", and(advance, in.valid().ref()));
        m.assign(in.ready(), advance);

        // Stage 1: the running sum; `fresh` says the next value starts a group (the last one closed).
        Signal sum = m.register("group_sum", 64, true, null);
        Signal fresh = m.register("fresh", 1, 1);
        Expr value = m.let("value", asSigned(extend(asSigned(in.data().ref()), 64)));
        Expr base = m.let("sum_base", mux(fresh.ref(), signedConstant(0, 64), sum.ref()));
        m.next(sum, accept, truncate(add(base, value), 64));
        m.next(fresh, accept, in.last().ref());
        Expr sumValid = GeluUnit.flag(m, "sum_valid", advance, and(accept, in.last().ref()));

        // Stage 2: Requant.apply's long (the exact value needs 97 bits; Java keeps the low 64), toInt8.
        Expr exact = Arith.requant(m, "mean_rq", sum.ref(), mult.ref(), shift.ref(), 97);
        Expr asLong = m.let("mean_rq_long", truncate(exact, 64));
        Expr mean = Arith.saturate(m, "mean_rq_int8", asLong, 8);
        Signal outData = m.register("out_data", 8, false, null);
        m.next(outData, advance, asUnsigned(mean));
        m.next(outValid, advance, sumValid);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        m.assign(out.last(), constant(1, 1));
        return m.build();
    }
}
