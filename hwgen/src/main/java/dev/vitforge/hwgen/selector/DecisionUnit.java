package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;
import dev.vitforge.models.quant.IntOps;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.models.quant.SelectorKernels;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * The selector's decision unit, steps 5-6 of {@code IntegerSelector.decide}: per token it turns the
 * H head-gate logits g1_h and logit differences diff_h into the keep bit, the margin and the keep
 * probability p. Per head w_h = sigmoid(gate requant of g1_h) and s_h = sigmoid(z requant of diff_h);
 * margin = sum w_h diff_h (exact int64), keep = margin >= 0, p = round(sum w_h s_h / sum w_h) in Q15,
 * or round(sum s_h / H) when every w_h underflowed to 0.
 *
 * <p>Why this shape: the two sigmoids of a beat run side by side, each an I-BERT exp (ln2 range
 * reduction, the polynomial, a run-time shift) and one pipelined divider, so the unit takes one
 * (token, head) beat per cycle; the per-token divide for p has a pipeline of its own and runs once
 * every H beats. A head counter picks each beat's gate constants; a token ends at TLAST or at its H-th
 * head, whichever comes first, so a malformed frame can neither index past the last head's constants
 * nor break a divider's range precondition (sums over at most H heads). The whole pipeline
 * advances when the output register can take a beat ({@code advance = !out_valid | out_ready}).
 *
 * <p>Ports: static {@code gate_mult} (H x 31 bits, head h at [31h+30:31h]), {@code gate_shift}
 * (H x 7 bits, head h at [7h+6:7h]), {@code z_mult} (31), {@code z_shift} (7), all unsigned Requant
 * multipliers and shifts; stream {@code in} (96 bits, {diff int64 [95:32], g1 int32 [31:0]}, one beat
 * per token and head, heads in order); stream {@code out} (81 bits, {keep [80], p uint16 [79:64],
 * margin int64 [63:0]}, one beat per token, TLAST on every beat).
 */
public final class DecisionUnit {
    /** Input beat width: {diff int64, g1 int32}. */
    public static final int IN_WIDTH = 96;
    /** Output beat width: {keep, p uint16, margin int64}. */
    public static final int OUT_WIDTH = 81;
    /** Width of p: a Q15 value up to 1.0 = 2^15 needs 16 bits. */
    public static final int P_WIDTH = IntOps.SIGMOID_BITS + 1;

    /** exp input magnitudes at or beyond this clip to it (I-BERT's -30 ln2). */
    private static final int EXP_CLIP = -IntOps.EXP_MIN_INPUT;
    /** 1.0 at the exp output scale: sigmoid(-a) = e / (e + ONE). */
    private static final long EXP_ONE = Math.round(1.0 / IntOps.EXP_OUT_SCALE);
    /** Width of B - rem (rem in [0, 1023]): B < 2^11. */
    private static final int POLY_BASE_WIDTH = 11;
    /** Width of the exp polynomial (r + B)^2 + C and thus of e. */
    private static final int POLY_WIDTH = 23;
    /**
     * The sigmoid's divide: (e 2^15 + den/2) < den 2^15 for den = e + ONE because den/2 < ONE 2^15, so
     * the quotient always fits 15 bits (the divider's precondition holds for every input).
     */
    private static final int SIGMOID_QUOTIENT_BITS = IntOps.SIGMOID_BITS;

    /** Registers from a beat's g1/diff register to its w/s value: polynomial, divide operands, divider. */
    private static final int SIGMOID_STAGES = 2 + SIGMOID_QUOTIENT_BITS;
    /**
     * Cycles from a token's last input handshake to its output handshake when nothing stalls: the
     * registers on the way (input, requant, sigmoid, products, token sums, p divider, output), one
     * clock edge each; the beat is taken in the cycle after it reaches the output register.
     */
    public static final int LATENCY = 1 + 1 + SIGMOID_STAGES + 1 + 1 + P_WIDTH + 1;

    static {
        // The generator's fixed widths rest on the reference's constants; fail loudly if those move.
        long polyMax = IntOps.EXP_B_INT * IntOps.EXP_B_INT + IntOps.EXP_C_INT;
        if (IntOps.EXP_B_INT < 1024 || IntOps.EXP_B_INT >= (1L << POLY_BASE_WIDTH) || IntOps.EXP_C_INT < 0
                || polyMax >= (1L << POLY_WIDTH) || EXP_ONE >= (1L << POLY_WIDTH)) {
            throw new IllegalStateException("IntOps exp constants outside the decision unit's widths: B "
                    + IntOps.EXP_B_INT + ", C " + IntOps.EXP_C_INT + ", one " + EXP_ONE);
        }
    }

    private DecisionUnit() {}

    /** The unit for {@code heads} heads under its conventional name, as the host builds it. */
    public static Design design(int heads) {
        return Design.of(generate("selector_decision_h" + heads, heads), "DecisionUnit.design(" + heads + ")");
    }

    public static Module generate(String name, int heads) {
        if (heads < 1 || heads > 1024) {
            throw new IllegalArgumentException("decision unit '" + name + "': heads must be 1..1024, got " + heads);
        }
        int m31 = Arith.MULT_WIDTH;
        int s7 = Arith.SHIFT_WIDTH;
        ModuleBuilder m = new ModuleBuilder(name, "selector decision: head-gate and score sigmoids, "
                + "weighted margin sign test, keep probability divide, " + heads + " heads");
        m.parameter("HEADS", heads);
        Signal gateMult = m.input("gate_mult", heads * m31);
        Signal gateShift = m.input("gate_shift", heads * s7);
        Signal zMult = m.input("z_mult", m31);
        Signal zShift = m.input("z_shift", s7);
        StreamPort in = StreamPort.input(m, "in", IN_WIDTH, true);
        StreamPort out = StreamPort.output(m, "out", OUT_WIDTH, true);

        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));
        Expr take = m.let("take", and(in.valid().ref(), advance));

        // Head counter: which gate constants a beat uses, and where a token ends (TLAST or its H-th head).
        int hw = Math.max(1, 32 - Integer.numberOfLeadingZeros(heads - 1));
        Signal head = m.register("head", hw, 0);
        Expr lastHead = m.let("last_head", or(in.last().ref(), eq(head.ref(), constant(heads - 1, hw))));
        m.next(head, take, mux(lastHead, constant(0, hw), truncate(add(head.ref(), constant(1, hw)), hw)));
        Expr selMult = slice(gateMult.ref(), m31 - 1, 0);
        Expr selShift = slice(gateShift.ref(), s7 - 1, 0);
        for (int h = 1; h < heads; h++) {
            Expr isH = eq(head.ref(), constant(h, hw));
            selMult = mux(isH, slice(gateMult.ref(), m31 * h + m31 - 1, m31 * h), selMult);
            selShift = mux(isH, slice(gateShift.ref(), s7 * h + s7 - 1, s7 * h), selShift);
        }

        // Stage 1: the input beat and its head's gate constants.
        Signal g1 = m.register("g1", 32, true, null);
        Signal diff = m.register("diff", 64, true, null);
        Signal gMult = m.register("gate_mult_sel", m31, false, null);
        Signal gShift = m.register("gate_shift_sel", s7, false, null);
        Signal beatValid = m.register("beat_valid", 1, 0);
        Signal beatLast = m.register("beat_last", 1, false, null);
        m.next(g1, advance, asSigned(slice(in.data().ref(), 31, 0)));
        m.next(diff, advance, asSigned(slice(in.data().ref(), 95, 32)));
        m.next(gMult, advance, m.let("gate_mult_head", selMult));
        m.next(gShift, advance, m.let("gate_shift_head", selShift));
        m.next(beatValid, advance, in.valid().ref());
        m.next(beatLast, advance, lastHead);

        // Stage 2: both requantisations into the exp input scale, saturated to int32.
        Signal gateX = m.register("gate_x", 32, true, null);
        Signal scoreX = m.register("score_x", 32, true, null);
        m.next(gateX, advance, Arith.requant(m, "gate_rq", g1.ref(), gMult.ref(), gShift.ref(), 32));
        m.next(scoreX, advance, Arith.requantLong(m, "score_rq", diff.ref(), zMult.ref(), zShift.ref(), 32));
        Expr diffAtX = Arith.delay(m, "diff_x", advance, diff.ref(), 1);
        Expr validAtX = Arith.delayValid(m, "valid_x", advance, beatValid.ref(), 1);
        Expr lastAtX = Arith.delay(m, "last_x", advance, beatLast.ref(), 1);

        // Stages 3 .. 2 + SIGMOID_STAGES: the two sigmoids side by side.
        Expr w = sigmoid(m, "gate_sig", advance, gateX.ref());
        Expr s = sigmoid(m, "score_sig", advance, scoreX.ref());
        Expr diffAtW = Arith.delay(m, "diff_w", advance, diffAtX, SIGMOID_STAGES);
        Expr validAtW = Arith.delayValid(m, "valid_w", advance, validAtX, SIGMOID_STAGES);
        Expr lastAtW = Arith.delay(m, "last_w", advance, lastAtX, SIGMOID_STAGES);

        // Products: w diff wraps at 64 bits as the reference's long does (exact for |diff| < 2^48).
        Signal prodMargin = m.register("prod_margin", 64, true, null);
        Signal prodNum = m.register("prod_num", 2 * IntOps.SIGMOID_BITS + 1, false, null); // w s <= 2^30
        Signal prodW = m.register("prod_w", P_WIDTH, false, null);
        Signal prodS = m.register("prod_s", P_WIDTH, false, null);
        Signal prodValid = m.register("prod_valid", 1, 0);
        Signal prodLast = m.register("prod_last", 1, false, null);
        m.next(prodMargin, advance, truncate(mul(asSigned(extend(w, P_WIDTH + 1)), diffAtW), 64));
        m.next(prodNum, advance, truncate(mul(w, s), 2 * IntOps.SIGMOID_BITS + 1));
        m.next(prodW, advance, w);
        m.next(prodS, advance, s);
        m.next(prodValid, advance, validAtW);
        m.next(prodLast, advance, lastAtW);

        // Token sums: accumulators cleared at each token's last head, which hands the totals on.
        int hb = 32 - Integer.numberOfLeadingZeros(heads); // heads < 2^hb
        int numW = 2 * IntOps.SIGMOID_BITS + hb;             // sum w s <= H 2^30
        int denW = IntOps.SIGMOID_BITS + hb;                 // sum w, sum s <= H 2^15
        Expr accumulate = m.let("accumulate", and(advance, prodValid.ref()));
        Expr finish = m.let("finish", and(accumulate, prodLast.ref()));
        Expr marginSum = accumulator(m, "margin", accumulate, finish, prodMargin.ref(), 64);
        Expr numSum = accumulator(m, "num", accumulate, finish, extend(prodNum.ref(), numW), numW);
        Expr denSum = accumulator(m, "den", accumulate, finish, extend(prodW.ref(), denW), denW);
        Expr sigSum = accumulator(m, "sig", accumulate, finish, extend(prodS.ref(), denW), denW);
        Signal tokenValid = m.register("token_valid", 1, 0);
        m.next(tokenValid, advance, finish);

        // p = round(num / den), or round(sig / H) when every gate underflowed: one divider per token.
        Expr hasWeight = m.let("has_weight", ne(denSum, constant(0, denW)));
        Expr weighted = add(numSum, extend(shiftRight(extend(denSum, denW + 1), 1), numW));
        Expr plain = add(sigSum, constant(heads / 2, denW));
        int dividendW = Math.max(weighted.width(), plain.width());
        Expr pDividend = m.let("p_dividend", mux(hasWeight, extend(weighted, dividendW), extend(plain, dividendW)));
        Expr pDivisor = m.let("p_divisor", mux(hasWeight, denSum, constant(heads, denW)));
        Expr p = Arith.divide(m, "p_div", advance, pDividend, pDivisor, P_WIDTH);
        Expr marginAtP = Arith.delay(m, "margin_p", advance, marginSum, P_WIDTH);
        Expr validAtP = Arith.delayValid(m, "valid_p", advance, tokenValid.ref(), P_WIDTH);

        // Output register: a margin of exactly 0 keeps.
        Expr keep = m.let("keep", not(bit(marginAtP, 63)));
        Signal outData = m.register("out_data", OUT_WIDTH, false, null);
        m.next(outData, advance, concat(keep, p, asUnsigned(marginAtP)));
        m.next(outValid, advance, validAtP);

        m.assign(in.ready(), advance);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        m.assign(out.last(), constant(1, 1));
        return m.build();
    }

    /**
     * {@code IntOps.sigmoid} of a registered int32 {@code x}, {@link #SIGMOID_STAGES} registers later,
     * as an unsigned Q15 of {@link #P_WIDTH} bits. |x| clipped to 30 ln2 splits into q = |x| >> 10 and
     * rem = |x| & 1023, so r + B = B - rem; e = ((B - rem)^2 + C) >> q; neg = ((e << 15) + den/2) / den
     * with den = e + ONE; the result is neg for x < 0 and 2^15 - neg otherwise.
     */
    private static Expr sigmoid(ModuleBuilder m, String name, Expr advance, Expr x) {
        int lnBits = IntOps.LN2_BITS;
        Expr mag = Arith.magnitude(m, name, x);
        Expr limit = constant(EXP_CLIP, 32);
        int clipW = 32 - Integer.numberOfLeadingZeros(EXP_CLIP);
        Expr clipped = m.let(name + "_clip", truncate(mux(gt(mag, limit), limit, mag), clipW));
        Expr q = m.let(name + "_q", slice(clipped, clipW - 1, lnBits));
        Expr rem = slice(clipped, lnBits - 1, 0);
        Expr base = m.let(name + "_base", truncate(sub(constant(IntOps.EXP_B_INT, POLY_BASE_WIDTH),
                extend(rem, POLY_BASE_WIDTH)), POLY_BASE_WIDTH));
        Expr square = mul(base, base);
        Expr polyValue = truncate(add(square, constant(IntOps.EXP_C_INT, square.width())), POLY_WIDTH);
        Signal poly = m.register(name + "_poly", POLY_WIDTH, false, null);
        Signal shift = m.register(name + "_shift", q.width(), false, null);
        m.next(poly, advance, polyValue);
        m.next(shift, advance, q);
        Expr negative = Arith.delay(m, name + "_neg", advance, bit(x, 31), 1);

        Expr e = Arith.shiftRightBy(m, name + "_exp", poly.ref(), shift.ref());
        Expr den = m.let(name + "_den", add(e, constant(EXP_ONE, POLY_WIDTH)));
        Expr scaled = concat(e, constant(0, IntOps.SIGMOID_BITS));
        Expr dividend = add(scaled, extend(shiftRight(den, 1), scaled.width()));
        Signal divDividend = m.register(name + "_dividend", dividend.width(), false, null);
        Signal divDivisor = m.register(name + "_divisor", den.width(), false, null);
        m.next(divDividend, advance, dividend);
        m.next(divDivisor, advance, den);
        negative = Arith.delay(m, name + "_neg_f", advance, negative, 1);

        Expr neg = extend(Arith.divide(m, name + "_div", advance, divDividend.ref(), divDivisor.ref(),
                SIGMOID_QUOTIENT_BITS), P_WIDTH);
        negative = Arith.delay(m, name + "_neg_q", advance, negative, SIGMOID_QUOTIENT_BITS);
        Expr pos = truncate(sub(constant(1L << IntOps.SIGMOID_BITS, P_WIDTH), neg), P_WIDTH);
        return m.let(name, mux(negative, neg, pos));
    }

    /**
     * A running sum over a token's heads: returns the token total (registered {@code name_total}),
     * loaded when {@code finish}; the accumulator itself restarts from 0 after each token.
     */
    private static Expr accumulator(ModuleBuilder m, String name, Expr accumulate, Expr finish, Expr x, int width) {
        Signal acc = m.register(name + "_acc", width, x.signed(), 0L);
        Expr zero = x.signed() ? signedConstant(0, width) : constant(0, width);
        Expr sum = m.let(name + "_sum", truncate(add(acc.ref(), x), width));
        m.next(acc, accumulate, mux(finish, zero, sum));
        Signal total = m.register(name + "_total", width, x.signed(), null);
        m.next(total, finish, sum);
        return total.ref();
    }

    /**
     * Cycles sim.run takes for {@code tokens} tokens at 100% valid and ready, from the first input
     * handshake: one input beat per cycle (tokens x heads), then {@link #LATENCY} until the last token leaves.
     */
    public static long cycles(int tokens, int heads) {
        return (long) tokens * heads + LATENCY;
    }

    // ---------------------------------------------------------------- beats, config and reference

    /** One token's decision as the unit emits it. */
    public record Decision(boolean keep, int p, long margin) {
    }

    /** An input beat as three 32-bit words, least significant first: {diff, g1}. */
    public static int[] inputBeat(long diff, int g1) {
        return new int[] {g1, (int) diff, (int) (diff >>> 32)};
    }

    /** An output beat (three words, least significant first) read back. */
    public static Decision outputBeat(int[] words) {
        long margin = (words[0] & 0xFFFFFFFFL) | ((long) words[1] << 32);
        int p = words[2] & ((1 << P_WIDTH) - 1);
        boolean keep = ((words[2] >>> P_WIDTH) & 1) != 0;
        return new Decision(keep, p, margin);
    }

    /** The {@code gate_mult} port value for per-head requants, as 32-bit words least significant first. */
    public static int[] gateMultWords(Requant[] gate) {
        long[] fields = new long[gate.length];
        for (int h = 0; h < gate.length; h++) {
            fields[h] = gate[h].multiplier();
        }
        return pack(fields, Arith.MULT_WIDTH);
    }

    /** The {@code gate_shift} port value for per-head requants, as 32-bit words least significant first. */
    public static int[] gateShiftWords(Requant[] gate) {
        long[] fields = new long[gate.length];
        for (int h = 0; h < gate.length; h++) {
            fields[h] = gate[h].shift();
        }
        return pack(fields, Arith.SHIFT_WIDTH);
    }

    private static int[] pack(long[] fields, int width) {
        int bits = fields.length * width;
        int[] words = new int[(bits + 31) / 32];
        for (int f = 0; f < fields.length; f++) {
            for (int b = 0; b < width; b++) {
                if ((fields[f] >>> b & 1) != 0) {
                    int at = f * width + b;
                    words[at / 32] |= 1 << (at % 32);
                }
            }
        }
        return words;
    }

    /**
     * The reference for one token, through the models code: steps 5-6 of {@code IntegerSelector.decide}
     * with {@code gateToExp[h]} (its gate1ToExp) and {@code zToExp}, on the head-gate logits g1 and the
     * logit differences diff of the token's H heads.
     */
    public static Decision reference(Requant[] gateToExp, Requant zToExp, int[] g1, long[] diff) {
        SelectorKernels.Decided d = SelectorKernels.JAVA.decide(g1, new long[][] {diff}, gateToExp, zToExp);
        return new Decision(d.keep()[0], d.p()[0], d.margins()[0]);
    }
}
