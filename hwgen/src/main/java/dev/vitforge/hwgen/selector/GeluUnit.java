package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * The selector's GELU step ({@code IntegerSelector.geluToInt8}) as a streaming kernel: each int32
 * accumulator is requantised by its channel's factor to the GELU input scale (saturated to int32),
 * put through I-BERT's integer GELU ({@code IntOps.Gelu.apply}) and requantised to int8, one beat
 * per cycle. The selector has four such steps (in_proj, mlp.0, mlp.1, head_gate.0) that differ
 * only in their constants, so the constants are ports and a per-channel table rather than
 * parameters.
 *
 * <p>The GELU is evaluated in 64-bit two's complement exactly as Java's long arithmetic does it,
 * wrapping where Java wraps ({@code -bInt}, the square, the sums and the final product), so the
 * result matches the reference for any {@code gelu_b}/{@code gelu_c} and any input, not only for
 * calibrated ones. The output requantisation likewise keeps {@code Requant.apply}'s 64-bit result
 * (the exact round-half-up value truncated to a long) before it saturates to int8.
 *
 * <p>Ports: config {@code channels} (1..maxChannels), {@code gelu_b}, {@code gelu_c} (signed 64,
 * {@code Gelu.bInt()}/{@code cInt()}), {@code out_mult} (31), {@code out_shift} (7); stream
 * {@code param}: {@code channels} beats {shift [37:31], mult [30:0]}, TLAST on the last, taken once
 * after reset before any data (a new table needs a reset); stream {@code in}: int32 accumulators
 * row-major, channel = beat index modulo {@code channels}, TLAST carried through; stream {@code out}:
 * int8 results with the input's TLAST.
 *
 * <p>Pipeline ({@value #LATENCY} register stages, one global advance): accept + table read,
 * requant to the GELU input, clip and offset, square, erf, final product, output requant.
 */
public final class GeluUnit {
    /** Register stages between an input handshake and its output handshake when nothing stalls. */
    public static final int LATENCY = 7;
    /** Bits of one {@code param} beat: {shift 7, mult 31}. */
    public static final int PARAM_WIDTH = Arith.SHIFT_WIDTH + Arith.MULT_WIDTH;

    private GeluUnit() {}

    public static Design design(int maxChannels) {
        return Design.of(generate("selector_gelu_c" + maxChannels, maxChannels),
                "GeluUnit.design(" + maxChannels + ")");
    }

    /**
     * Cycles from the first {@code param} handshake to the last output handshake with every stream
     * at full rate: the table ({@code channels} beats, the data is held off meanwhile), then one
     * beat per cycle, then the pipeline's drain.
     */
    public static long cycles(int channels, int beats) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        if (beats == 0) {
            return channels;
        }
        return (long) channels + beats + LATENCY;
    }

    public static Module generate(String name, int maxChannels) {
        if (maxChannels < 1) {
            throw new IllegalArgumentException("gelu '" + name + "': maxChannels must be >= 1, got " + maxChannels);
        }
        ModuleBuilder m = new ModuleBuilder(name, "selector GELU: per-channel requant, I-BERT integer GELU, "
                + "requantise to int8");
        m.parameter("MAX_CHANNELS", maxChannels);
        int countBits = 32 - Integer.numberOfLeadingZeros(maxChannels); // holds maxChannels itself
        Signal channels = m.input("channels", countBits);
        Signal geluB = m.inputSigned("gelu_b", 64);
        Signal geluC = m.inputSigned("gelu_c", 64);
        Signal outMult = m.input("out_mult", Arith.MULT_WIDTH);
        Signal outShift = m.input("out_shift", Arith.SHIFT_WIDTH);
        StreamPort param = StreamPort.input(m, "param", PARAM_WIDTH, true);
        StreamPort in = StreamPort.input(m, "in", 32, true);
        StreamPort out = StreamPort.output(m, "out", 8, true);

        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));

        // The table first: `loaded` holds the data off until the param beat with TLAST.
        Signal loaded = m.register("loaded", 1, 0);
        Signal channel = m.register("channel", countBits, 0);
        Expr paramFire = m.let("param_fire", and(not(loaded.ref()), param.valid().ref()));
        Expr accept = m.let("accept", and(and(loaded.ref(), advance), in.valid().ref()));
        m.assign(param.ready(), not(loaded.ref()));
        m.assign(in.ready(), and(loaded.ref(), advance));
        m.next(loaded, and(paramFire, param.last().ref()), constant(1, 1));

        // One counter addresses the table while it loads and then wraps at `channels` over the data.
        Expr lastChannel = m.let("last_channel", eq(extend(channel.ref(), countBits + 1),
                truncate(sub(extend(channels.ref(), countBits + 1), constant(1, 1)), countBits + 1)));
        Expr channelNext = truncate(add(channel.ref(), constant(1, 1)), countBits);
        Expr restart = or(and(paramFire, param.last().ref()), and(accept, lastChannel));
        m.next(channel, or(paramFire, accept), mux(restart, constant(0, countBits), channelNext));
        ModuleBuilder.MemoryBuilder table = m.memory("requant_table", PARAM_WIDTH, maxChannels);
        int aw = table.addressWidth();
        Expr address = m.let("table_address", truncate(extend(channel.ref(), Math.max(aw, countBits)), aw));
        table.write(paramFire, address, param.data().ref());

        // Stage 0: the accumulator beside its channel's factor (the table read is registered).
        Signal factor = table.read("factor", advance, address);
        Expr valid0 = flag(m, "s0_valid", advance, accept);
        Expr last0 = flag(m, "s0_last", advance, in.last().ref());
        Expr acc0 = stage(m, "s0_acc", advance, asSigned(in.data().ref()));

        // Stage 1: toGelu[c].toInt32(acc).
        Expr mult = m.let("in_mult", slice(factor.ref(), Arith.MULT_WIDTH - 1, 0));
        Expr shift = m.let("in_shift", slice(factor.ref(), PARAM_WIDTH - 1, Arith.MULT_WIDTH));
        Expr x0 = Arith.requant(m, "in_rq", acc0, mult, shift, 32);
        Expr valid1 = flag(m, "s1_valid", advance, valid0);
        Expr last1 = flag(m, "s1_last", advance, last0);
        Expr x1 = stage(m, "s1_x", advance, x0);

        // Stage 2: abs = min(|x|, -bInt); t = abs + bInt (|x| <= 2^31 is exact; -bInt and the sum wrap).
        Expr absX = m.let("abs_x", asSigned(extend(Arith.magnitude(m, "gelu_x", x1), 64)));
        Expr negB = m.let("neg_b", truncate(negate(geluB.ref()), 64));
        Expr clipped = m.let("clipped", mux(lt(absX, negB), absX, negB));
        Expr t = m.let("offset", truncate(add(clipped, geluB.ref()), 64));
        Expr valid2 = flag(m, "s2_valid", advance, valid1);
        Expr last2 = flag(m, "s2_last", advance, last1);
        Expr x2 = stage(m, "s2_x", advance, x1);
        Expr t2 = stage(m, "s2_offset", advance, t);

        // Stage 3: the square, low 64 bits (Java's long product).
        Expr square = m.let("square", truncate(mul(t2, t2), 64));
        Expr valid3 = flag(m, "s3_valid", advance, valid2);
        Expr last3 = flag(m, "s3_last", advance, last2);
        Expr x3 = stage(m, "s3_x", advance, x2);
        Expr square3 = stage(m, "s3_square", advance, square);

        // Stage 4: erf = signum(x) * (square + cInt); then erf + cInt, all wrapping.
        Expr poly = m.let("erf_poly", truncate(add(square3, geluC.ref()), 64));
        Expr negPoly = truncate(negate(poly), 64);
        Expr xNegative = m.let("x_negative", bit(x3, 31));
        Expr xZero = m.let("x_zero", eq(x3, signedConstant(0, 32)));
        Expr erf = m.let("erf", mux(xZero, signedConstant(0, 64), mux(xNegative, negPoly, poly)));
        Expr erfPlusC = m.let("erf_plus_c", truncate(add(erf, geluC.ref()), 64));
        Expr valid4 = flag(m, "s4_valid", advance, valid3);
        Expr last4 = flag(m, "s4_last", advance, last3);
        Expr x4 = stage(m, "s4_x", advance, x3);
        Expr erf4 = stage(m, "s4_erf_plus_c", advance, erfPlusC);

        // Stage 5: -x * (erf + cInt), low 64 bits (-x of an int32 is exact in 33 bits).
        Expr gelu = m.let("gelu", truncate(mul(negate(x4), erf4), 64));
        Expr valid5 = flag(m, "s5_valid", advance, valid4);
        Expr last5 = flag(m, "s5_last", advance, last4);
        Expr gelu5 = stage(m, "s5_gelu", advance, gelu);

        // Stage 6: Requant.apply's long result (the exact value needs 97 bits; Java keeps the low 64),
        // then toInt8's saturation.
        Expr exact = Arith.requant(m, "out_rq", gelu5, outMult.ref(), outShift.ref(), 97);
        Expr asLong = m.let("out_rq_long", truncate(exact, 64));
        Expr result = Arith.saturate(m, "out_rq_int8", asLong, 8);
        Signal outData = m.register("out_data", 8, false, null);
        Signal outLast = m.register("out_last", 1, 0);
        m.next(outData, advance, asUnsigned(result));
        m.next(outLast, advance, last5);
        m.next(outValid, advance, valid5);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        m.assign(out.last(), outLast.ref());
        return m.build();
    }

    /** A pipeline register {@code <name>_q} loaded when the pipeline advances (datapath, no reset). */
    static Expr stage(ModuleBuilder m, String name, Expr advance, Expr x) {
        Signal r = m.register(name, x.width(), x.signed(), null);
        m.next(r, advance, x);
        return r.ref();
    }

    /** Like {@link #stage} for a control bit (valid, last), reset to 0. */
    static Expr flag(ModuleBuilder m, String name, Expr advance, Expr x) {
        Signal r = m.register(name, 1, 0);
        m.next(r, advance, x);
        return r.ref();
    }
}
