package dev.vitforge.hwgen.selector;

import java.util.ArrayList;
import java.util.List;

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
 * <p>{@code lanes} (L) values arrive per beat, one beat per cycle, so the unit keeps pace with the
 * GEMM engine's block-wide streams (one value per beat made the means slower than an encoder
 * block). A group occupies whole beats: the caller pads each group with zeros to a multiple of L,
 * which leaves its sum unchanged. A beat's values are summed exactly by an adder tree
 * (32 + ceil(log2 L) bits) and registered, then added into the accumulator.
 *
 * <p>The accumulator wraps at 64 bits, the reference's long (a wrapping sum does not depend on the
 * order of its terms, so the tree gives the reference's value), exact for groups of up to 2^32
 * int32 values. The requantisation keeps {@code Requant.apply}'s 64-bit result (the exact
 * round-half-up value truncated to a long) before it saturates to int8, so even a factor large
 * enough to overflow the reference's long gives the reference's byte.
 *
 * <p>Ports: config {@code mult} (31), {@code shift} (7); stream {@code in}: L signed int32 per
 * beat, lane j at bits [32j+31:32j], TLAST on each group's last beat; stream {@code out}: one int8
 * per group, TLAST always 1. Three register stages: the beat sum, the accumulator, the output.
 */
public final class GroupMeanUnit {
    /** Cycles from a group's last input handshake to its output handshake when nothing stalls. */
    public static final int LATENCY = 3;

    private GroupMeanUnit() {}

    public static Design design(int lanes) {
        return Design.of(generate("selector_group_mean_l" + lanes, lanes), "GroupMeanUnit.design(" + lanes + ")");
    }

    /** Beats one group of {@code size} values takes, padded to whole beats of L. */
    public static int beatsPerGroup(int size, int lanes) {
        if (size < 1 || lanes < 1) {
            throw new IllegalArgumentException("a group of " + size + " over " + lanes + " lanes");
        }
        return (size + lanes - 1) / lanes;
    }

    /**
     * Cycles from the first input handshake to the last output handshake with every stream at full
     * rate: one beat per cycle and the drain of the last group, {@code beats + LATENCY} (0 without
     * data); the number of groups does not matter since at most one result leaves per input beat.
     */
    public static long cycles(long beats, int groups) {
        if (groups < 0 || groups > beats || (beats > 0 && groups == 0)) {
            throw new IllegalArgumentException(beats + " beats cannot form " + groups + " groups");
        }
        return beats == 0 ? 0 : beats + LATENCY;
    }

    public static Module generate(String name, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("group mean '" + name + "': lanes must be >= 1, got " + lanes);
        }
        ModuleBuilder m = new ModuleBuilder(name, "selector group mean, " + lanes
                + " lanes: 64-bit group sum, requantise to int8");
        m.parameter("LANES", lanes);
        Signal mult = m.input("mult", Arith.MULT_WIDTH);
        Signal shift = m.input("shift", Arith.SHIFT_WIDTH);
        StreamPort in = StreamPort.input(m, "in", 32 * lanes, true);
        StreamPort out = StreamPort.output(m, "out", 8, true);

        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));
        Expr accept = m.let("accept", and(advance, in.valid().ref()));
        m.assign(in.ready(), advance);

        // Stage 1: the beat's values summed exactly by a balanced adder tree.
        List<Expr> terms = new ArrayList<>();
        for (int j = 0; j < lanes; j++) {
            terms.add(asSigned(slice(in.data().ref(), 32 * j + 31, 32 * j)));
        }
        for (int level = 0; terms.size() > 1; level++) {
            List<Expr> up = new ArrayList<>();
            for (int i = 0; i + 1 < terms.size(); i += 2) {
                up.add(m.let("tree" + level + "_" + i / 2, add(terms.get(i), terms.get(i + 1))));
            }
            if (terms.size() % 2 == 1) { // the odd one out rises a level, widened like its neighbours
                Expr odd = terms.get(terms.size() - 1);
                up.add(extend(odd, odd.width() + 1));
            }
            terms = up;
        }
        Expr beatSum = GeluUnit.stage(m, "beat_sum", advance, terms.get(0));
        Expr beatValid = GeluUnit.flag(m, "beat_valid", advance, accept);
        Expr beatLast = GeluUnit.flag(m, "beat_last", advance, in.last().ref());

        // Stage 2: the running sum; `fresh` says the next beat starts a group (the last one closed).
        Expr take = m.let("take", and(advance, beatValid));
        Signal sum = m.register("group_sum", 64, true, null);
        Signal fresh = m.register("fresh", 1, 1);
        Expr value = m.let("value", extend(beatSum, 64));
        Expr base = m.let("sum_base", mux(fresh.ref(), signedConstant(0, 64), sum.ref()));
        m.next(sum, take, truncate(add(base, value), 64));
        m.next(fresh, take, beatLast);
        Expr sumValid = GeluUnit.flag(m, "sum_valid", advance, and(beatValid, beatLast));

        // Stage 3: Requant.apply's long (the exact value needs 97 bits; Java keeps the low 64), toInt8.
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
