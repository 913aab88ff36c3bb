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
 * The selector's GELU step ({@code SelectorKernels.gelu}) as a streaming kernel: each int32
 * accumulator is requantised by its channel's factor to the GELU input scale (saturated to int32),
 * put through I-BERT's integer GELU ({@code IntOps.Gelu.apply}) and requantised to int8. The
 * selector has four such steps (in_proj, mlp.0, mlp.1, head_gate.0) that differ only in their
 * constants, so the constants are ports and a per-channel table rather than parameters.
 *
 * <p>{@code lanes} (L) elements travel per beat, one beat per cycle, so the unit keeps pace with
 * the GEMM engine's block-wide streams; one element per beat made the GELU steps slower than an
 * encoder block. The channel of element e is e mod {@code channels} for any channel count, which
 * need not divide by L nor L by it (the head gate's 3 channels, d = 64 over 16 lanes). So the
 * table lives in registers, every lane reads its own entry through a mux, and each lane keeps its
 * own channel counter: lane j starts at j mod channels and advances by L mod channels per beat,
 * wrapping with one conditional subtraction. Both residues of the constants j and L are computed
 * from the {@code channels} port by a few restoring compare-subtract steps (no divider) and
 * loaded while the table loads.
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
 * after reset before any data (a new table needs a reset); stream {@code in}: L int32 accumulators
 * per beat, lane j at bits [32j+31:32j], element i*L + j of the row-major data in beat i (the
 * caller pads the last beat), TLAST carried through; stream {@code out}: L int8 results per beat,
 * lane j at [8j+7:8j], with the input beat's TLAST.
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

    public static Design design(int maxChannels, int lanes) {
        return Design.of(generate("selector_gelu_c" + maxChannels + "_l" + lanes, maxChannels, lanes),
                "GeluUnit.design(" + maxChannels + ", " + lanes + ")");
    }

    /** Beats that carry {@code elements} values, L per beat, the last one padded. */
    public static int beats(int elements, int lanes) {
        if (elements < 0 || lanes < 1) {
            throw new IllegalArgumentException(elements + " elements over " + lanes + " lanes");
        }
        return (elements + lanes - 1) / lanes;
    }

    /**
     * Cycles from the first {@code param} handshake to the last output handshake with every stream
     * at full rate: the table ({@code channels} beats, the data is held off meanwhile), then one
     * beat of L elements per cycle, then the pipeline's drain:
     * {@code channels + ceil(elements / L) + LATENCY}, or just {@code channels} without data.
     */
    public static long cycles(int channels, int elements, int lanes) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        int beats = beats(elements, lanes);
        if (beats == 0) {
            return channels;
        }
        return (long) channels + beats + LATENCY;
    }

    public static Module generate(String name, int maxChannels, int lanes) {
        if (maxChannels < 1) {
            throw new IllegalArgumentException("gelu '" + name + "': maxChannels must be >= 1, got " + maxChannels);
        }
        if (lanes < 1) {
            throw new IllegalArgumentException("gelu '" + name + "': lanes must be >= 1, got " + lanes);
        }
        ModuleBuilder m = new ModuleBuilder(name, "selector GELU, " + lanes + " lanes: per-channel requant, "
                + "I-BERT integer GELU, requantise to int8");
        m.parameter("MAX_CHANNELS", maxChannels);
        m.parameter("LANES", lanes);
        int countBits = 32 - Integer.numberOfLeadingZeros(maxChannels); // holds maxChannels itself
        Signal channels = m.input("channels", countBits);
        Signal geluB = m.inputSigned("gelu_b", 64);
        Signal geluC = m.inputSigned("gelu_c", 64);
        Signal outMult = m.input("out_mult", Arith.MULT_WIDTH);
        Signal outShift = m.input("out_shift", Arith.SHIFT_WIDTH);
        StreamPort param = StreamPort.input(m, "param", PARAM_WIDTH, true);
        StreamPort in = StreamPort.input(m, "in", 32 * lanes, true);
        StreamPort out = StreamPort.output(m, "out", 8 * lanes, true);

        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));

        // The table first: `loaded` holds the data off until the param beat with TLAST.
        Signal loaded = m.register("loaded", 1, 0);
        Expr paramFire = m.let("param_fire", and(not(loaded.ref()), param.valid().ref()));
        Expr accept = m.let("accept", and(and(loaded.ref(), advance), in.valid().ref()));
        m.assign(param.ready(), not(loaded.ref()));
        m.assign(in.ready(), and(loaded.ref(), advance));
        m.next(loaded, and(paramFire, param.last().ref()), constant(1, 1));

        // The table in registers, so that every lane can read a different entry in the same cycle.
        Signal paramIndex = m.register("param_index", countBits, 0);
        m.next(paramIndex, paramFire, truncate(add(paramIndex.ref(), constant(1, 1)), countBits));
        List<Expr> table = new ArrayList<>();
        for (int k = 0; k < maxChannels; k++) {
            Signal entry = m.register("requant_table_" + k, PARAM_WIDTH, false, null);
            m.next(entry, and(paramFire, eq(paramIndex.ref(), constant(k, countBits))), param.data().ref());
            table.add(entry.ref());
        }

        // Per-lane channel counters, set to j mod channels while the table loads and then advanced
        // by L mod channels per accepted beat (the step is registered: `channels` is static).
        Signal step = m.register("lane_step", countBits, false, null);
        m.next(step, not(loaded.ref()), residue(m, "lane_step", lanes, channels.ref()));
        Expr channelsWide = extend(channels.ref(), countBits + 1);
        List<Expr> laneChannel = new ArrayList<>();
        for (int j = 0; j < lanes; j++) {
            String p = "lane" + j + "_";
            Signal counter = m.register(p + "channel", countBits, 0);
            Expr sum = m.let(p + "channel_sum", add(counter.ref(), step.ref()));
            Expr wrapped = m.let(p + "channel_next", truncate(mux(ge(sum, channelsWide),
                    truncate(sub(sum, channelsWide), countBits + 1), sum), countBits));
            Expr start = residue(m, p + "channel_start", j, channels.ref());
            m.next(counter, or(not(loaded.ref()), accept), mux(loaded.ref(), wrapped, start));
            laneChannel.add(counter.ref());
        }

        // Stage 0: each lane's accumulator beside its channel's factor.
        Expr valid0 = flag(m, "s0_valid", advance, accept);
        Expr last0 = flag(m, "s0_last", advance, in.last().ref());
        List<Expr> results = new ArrayList<>();
        for (int j = 0; j < lanes; j++) {
            String p = "lane" + j + "_";
            Expr factorRead = m.let(p + "factor_read", Arith.select(table, laneChannel.get(j)));
            Expr factor = stage(m, p + "s0_factor", advance, factorRead);
            Expr acc0 = stage(m, p + "s0_acc", advance, asSigned(slice(in.data().ref(), 32 * j + 31, 32 * j)));
            results.add(lane(m, p, advance, acc0, factor, geluB.ref(), geluC.ref(), outMult.ref(), outShift.ref()));
        }

        // The control bits travel once, beside all lanes: stages 1..5.
        Expr valid5 = valid0;
        Expr last5 = last0;
        for (int s = 1; s <= 5; s++) {
            valid5 = flag(m, "s" + s + "_valid", advance, valid5);
            last5 = flag(m, "s" + s + "_last", advance, last5);
        }

        // Stage 6: the output beat, lane j in bits [8j+7:8j].
        List<Expr> parts = new ArrayList<>();
        for (int j = lanes - 1; j >= 0; j--) {
            parts.add(asUnsigned(results.get(j)));
        }
        Signal outData = m.register("out_data", 8 * lanes, false, null);
        Signal outLast = m.register("out_last", 1, 0);
        m.next(outData, advance, concat(parts));
        m.next(outLast, advance, last5);
        m.next(outValid, advance, valid5);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        m.assign(out.last(), outLast.ref());
        return m.build();
    }

    /**
     * One lane's stages 1..5 from its registered accumulator and factor; returns its int8 result
     * (not yet registered: the output register holds all lanes).
     */
    private static Expr lane(ModuleBuilder m, String p, Expr advance, Expr acc0, Expr factor, Expr geluB,
                             Expr geluC, Expr outMult, Expr outShift) {
        // Stage 1: toGelu[c].toInt32(acc).
        Expr mult = m.let(p + "in_mult", slice(factor, Arith.MULT_WIDTH - 1, 0));
        Expr shift = m.let(p + "in_shift", slice(factor, PARAM_WIDTH - 1, Arith.MULT_WIDTH));
        Expr x0 = Arith.requant(m, p + "in_rq", acc0, mult, shift, 32);
        Expr x1 = stage(m, p + "s1_x", advance, x0);

        // Stage 2: abs = min(|x|, -bInt); t = abs + bInt (|x| <= 2^31 is exact; -bInt and the sum wrap).
        Expr absX = m.let(p + "abs_x", asSigned(extend(Arith.magnitude(m, p + "gelu_x", x1), 64)));
        Expr negB = m.let(p + "neg_b", truncate(negate(geluB), 64));
        Expr clipped = m.let(p + "clipped", mux(lt(absX, negB), absX, negB));
        Expr t = m.let(p + "offset", truncate(add(clipped, geluB), 64));
        Expr x2 = stage(m, p + "s2_x", advance, x1);
        Expr t2 = stage(m, p + "s2_offset", advance, t);

        // Stage 3: the square, low 64 bits (Java's long product).
        Expr square = m.let(p + "square", truncate(mul(t2, t2), 64));
        Expr x3 = stage(m, p + "s3_x", advance, x2);
        Expr square3 = stage(m, p + "s3_square", advance, square);

        // Stage 4: erf = signum(x) * (square + cInt); then erf + cInt, all wrapping.
        Expr poly = m.let(p + "erf_poly", truncate(add(square3, geluC), 64));
        Expr negPoly = truncate(negate(poly), 64);
        Expr xNegative = m.let(p + "x_negative", bit(x3, 31));
        Expr xZero = m.let(p + "x_zero", eq(x3, signedConstant(0, 32)));
        Expr erf = m.let(p + "erf", mux(xZero, signedConstant(0, 64), mux(xNegative, negPoly, poly)));
        Expr erfPlusC = m.let(p + "erf_plus_c", truncate(add(erf, geluC), 64));
        Expr x4 = stage(m, p + "s4_x", advance, x3);
        Expr erf4 = stage(m, p + "s4_erf_plus_c", advance, erfPlusC);

        // Stage 5: -x * (erf + cInt), low 64 bits (-x of an int32 is exact in 33 bits).
        Expr gelu = m.let(p + "gelu", truncate(mul(negate(x4), erf4), 64));
        Expr gelu5 = stage(m, p + "s5_gelu", advance, gelu);

        // Stage 6 (combinational here): Requant.apply's long (the exact value needs 97 bits; Java
        // keeps the low 64), then toInt8's saturation.
        Expr exact = Arith.requant(m, p + "out_rq", gelu5, outMult, outShift, 97);
        Expr asLong = m.let(p + "out_rq_long", truncate(exact, 64));
        return Arith.saturate(m, p + "out_rq_int8", asLong, 8);
    }

    /**
     * {@code value mod divisor} for a constant {@code value} and a run-time divisor in 1..2^w - 1
     * (w its width), by restoring long division over value's bits: each step doubles the
     * remainder, brings in the next bit and subtracts the divisor if it fits, so the remainder
     * stays below the divisor and fits w bits. A handful of small compare-subtracts, no divider.
     */
    static Expr residue(ModuleBuilder m, String name, int value, Expr divisor) {
        int w = divisor.width();
        if (value == 0) {
            return constant(0, w);
        }
        Expr wideDivisor = extend(divisor, w + 1);
        Expr rem = constant(0, w);
        int bits = 32 - Integer.numberOfLeadingZeros(value);
        for (int i = bits - 1; i >= 0; i--) {
            Expr shifted = concat(rem, constant((value >>> i) & 1, 1)); // 2 rem + bit, w + 1 bits
            Expr fits = ge(shifted, wideDivisor);
            rem = m.let(name + "_r" + i, truncate(mux(fits, truncate(sub(shifted, wideDivisor), w + 1), shifted), w));
        }
        return rem;
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
