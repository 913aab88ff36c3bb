package dev.vitforge.hwgen.selector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;
import dev.vitforge.models.quant.IntegerSelector;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * The selector's pack unit: after the decision, it streams the kept patch rows out in order (an
 * order-preserving compaction) and folds the dropped ones into the package token, bit-exact with
 * {@link IntegerSelector#pack}. It sits behind the decision so the host never has to gather rows.
 * It is lane-parallel: {@code lanes} (L) elements per beat and one beat per cycle, so a row of
 * dim elements takes b = dim / L cycles and the unit keeps pace with the selector's other streams
 * (one element per beat made it the slowest kernel by far).
 *
 * <p>Ports (clk, rst_n, then):
 * <ul>
 * <li>{@code tokens} (static, {@link #tokensWidth} bits): n, the patch rows of this run, 0..maxTokens;</li>
 * <li>{@code pkg_weight_in} (static, 40 bits unsigned): the previous package weight P (Q15), sampled
 *     on the first {@code pkg_in} beat;</li>
 * <li>{@code pkg_in} ({@code 32 L} bits, TLAST on the last beat): the previous package token, b beats
 *     of L int32, lane j (element L k + j of beat k) at [32j+31:32j];</li>
 * <li>{@code in} ({@link #inWidth} = 32 L + 17 bits, TLAST per row): n rows of b beats
 *     {keep [32L+16], p [32L+15:32L] Q15, L x int32 [32L-1:0]}, keep and p the same on every beat of a
 *     row ({@link #inBeats} builds them);</li>
 * <li>{@code kept} ({@code 32 L} bits, TLAST per row): the kept rows in input order, b beats of L int32
 *     each ({@link #keptRows} reads them);</li>
 * <li>{@code pkg_out} ({@link #packageOutWidth} = 32 L + 40 bits, TLAST on the last beat): b beats
 *     {P' [32L+39:32L], L x int32 [32L-1:0]} ({@link #packageBeat} reads one).</li>
 * </ul>
 * A run takes all of {@code pkg_in}, then the n rows, then emits {@code pkg_out}; framing comes from
 * dim, L and n (the TLAST inputs are not trusted), and the unit is ready for the next run once the
 * last {@code pkg_out} beat has left.
 *
 * <p>Data path. The sums S_c - P pkg_c = sum_dropped p_t x_t,c live in a block-RAM-shaped memory of
 * b words of L int64 (one word per beat position), cleared while {@code pkg_in} arrives (which goes
 * into a second memory of b words of L int32) and updated by a read-modify-write pipeline while the
 * rows stream: a beat's read is issued when it is accepted, its L products p x_j (L 17 x 32
 * multipliers) are added and the word written back the next cycle. The same word comes back b beats
 * later; with b >= 2 that read already sees the write, and with b = 1 (a single beat per row) a
 * forwarding register hands the word being written to the read of the same cycle, so every b >= 1
 * works. The arithmetic wraps at 64 bits like the reference's long, so the P pkg_c term may be added
 * last, in the drain. A kept beat goes straight to the {@code kept} output register, which is the same
 * stage, so the row stream only stalls on {@code kept}'s backpressure. W = P + sum_dropped p_t
 * accumulates on the first beat of each dropped row.
 *
 * <p>The drain is serial: one element per cycle through ONE 41 x 32 multiplier for P pkg_c and ONE
 * {@link Arith#divide} pipeline, the results gathered L at a time into a {@code pkg_out} beat. L
 * dividers would take the drain from dim to b cycles, but each is {@value #QUOTIENT_BITS} stages of a
 * 64-bit remainder, a ~45-bit divisor and a subtractor (some 5k flip-flops), so at L = 16 they would
 * be the bulk of the unit's area; the drain happens once per image per selector and dim cycles of it
 * are small against the n b cycles of the rows (DeiT-Tiny: 192 against 2364). With something dropped
 * and W != 0 it divides |S_c| + floor(W/2) by W (round half away from zero once the sign is put back);
 * otherwise it divides |pkg_c| by 1, so the package token passes through the same pipeline unchanged
 * and the timing does not depend on the data. Since every p_t and P are >= 0, |S_c| <= W 2^31, so the
 * quotient is at most 2^31 and {@value #QUOTIENT_BITS} quotient bits cover it (and meet the divider's
 * precondition); +2^31 saturates to int32. P' is W in both cases (W = P when nothing was dropped, and
 * W = 0 = P when W is 0), its low 40 bits. The one case the reference treats differently is
 * S_c = Long.MIN_VALUE, which needs P >= 2^32 (a weight of 2^17 tokens): there Java's Math.abs
 * overflows and the hardware rounds correctly.
 */
public final class PackUnit {
    /** Quotient bits of the drain's divider: the rounded quotient is at most 2^31. */
    public static final int QUOTIENT_BITS = 32;
    /** Bits of the package weight on {@code pkg_weight_in} and in {@code pkg_out}. */
    public static final int WEIGHT_BITS = 40;
    /** Bits of p on the {@code in} stream (Q15, 0..32768). */
    public static final int P_BITS = 16;
    /**
     * Cycles from the last drain read's issue to the last {@code pkg_out} handshake when nothing
     * stalls: memory read 1, lane select and + P pkg_c 1, dividend preparation 1, divider
     * {@value #QUOTIENT_BITS}, output register 1.
     */
    public static final int DRAIN_LATENCY = 1 + 1 + 1 + QUOTIENT_BITS + 1;

    private static final int LOAD = 0;
    private static final int ROWS = 1;
    private static final int DRAIN = 2;
    private static final int FLUSH = 3;

    private PackUnit() {}

    /** The width of the {@code tokens} port: enough bits for maxTokens. */
    public static int tokensWidth(int maxTokens) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(maxTokens));
    }

    /** Width of an {@code in} beat: L x int32, p, keep. */
    public static int inWidth(int lanes) {
        return 32 * lanes + P_BITS + 1;
    }

    /** Width of a {@code pkg_out} beat: L x int32, P'. */
    public static int packageOutWidth(int lanes) {
        return 32 * lanes + WEIGHT_BITS;
    }

    /** Bits of W = P + sum of at most maxTokens p's, so it never wraps. */
    static int sumWeightWidth(int maxTokens) {
        long max = (1L << WEIGHT_BITS) - 1 + (long) maxTokens * (1L << (P_BITS - 1));
        return 64 - Long.numberOfLeadingZeros(max);
    }

    public static Design design(int dim, int maxTokens, int lanes) {
        return Design.of(generate("selector_pack_d" + dim + "_t" + maxTokens + "_l" + lanes, dim, maxTokens, lanes),
                "PackUnit.design(" + dim + ", " + maxTokens + ", " + lanes + ")");
    }

    public static Module generate(String name, int dim, int maxTokens, int lanes) {
        if (lanes < 1 || dim < 1 || dim % lanes != 0 || maxTokens < 1 || maxTokens > (1 << 20)) {
            throw new IllegalArgumentException("pack unit '" + name + "': need lanes >= 1 dividing dim and "
                    + "1 <= maxTokens <= 2^20, got dim " + dim + ", lanes " + lanes + ", maxTokens " + maxTokens);
        }
        int beats = dim / lanes;
        ModuleBuilder m = new ModuleBuilder(name, "selector pack: kept-row compaction and package-token accumulator, "
                + lanes + " lanes");
        m.parameter("DIM", dim).parameter("MAX_TOKENS", maxTokens).parameter("LANES", lanes);
        int tokenBits = tokensWidth(maxTokens);
        int wBits = sumWeightWidth(maxTokens);
        Signal tokens = m.input("tokens", tokenBits);
        Signal weightIn = m.input("pkg_weight_in", WEIGHT_BITS);
        StreamPort pkgIn = StreamPort.input(m, "pkg_in", 32 * lanes, true);
        StreamPort in = StreamPort.input(m, "in", inWidth(lanes), true);
        StreamPort kept = StreamPort.output(m, "kept", 32 * lanes, true);
        StreamPort pkgOut = StreamPort.output(m, "pkg_out", packageOutWidth(lanes), true);

        ModuleBuilder.MemoryBuilder sums = m.memory("sums", 64 * lanes, beats);
        ModuleBuilder.MemoryBuilder pkgRow = m.memory("package_row", 32 * lanes, beats);
        int colBits = sums.addressWidth();

        // ---- control: one beat-position counter shared by the load, the rows and the drain (each
        // phase ends with it back at 0), the drain's lane counter, a row counter, and the phase.
        Signal state = m.register("state", 2, LOAD);
        Signal col = m.register("col", colBits, 0);
        Signal row = m.register("row", tokenBits, 0);
        Expr loading = m.let("loading", eq(state.ref(), constant(LOAD, 2)));
        Expr rows = m.let("rows", eq(state.ref(), constant(ROWS, 2)));
        Expr draining = m.let("draining", eq(state.ref(), constant(DRAIN, 2)));
        Expr flushing = m.let("flushing", eq(state.ref(), constant(FLUSH, 2)));
        Expr colLast = m.let("col_last", eq(col.ref(), constant(beats - 1, colBits)));
        Expr colFirst = m.let("col_first", eq(col.ref(), constant(0, colBits)));
        Expr colNext = m.let("col_next", mux(colLast, constant(0, colBits),
                truncate(add(col.ref(), constant(1, 1)), colBits)));
        Expr noTokens = m.let("no_tokens", eq(tokens.ref(), constant(0, tokenBits)));
        Expr rowLast = m.let("row_last", eq(add(row.ref(), constant(1, 1)), extend(tokens.ref(), tokenBits + 1)));

        // ---- load: the previous package token into its memory, the sums cleared, P sampled.
        Expr pkgFire = m.let("pkg_in_fire", and(pkgIn.valid().ref(), loading));
        pkgRow.write(pkgFire, col.ref(), pkgIn.data().ref());
        // Framing comes from dim; the TLAST is named so lint knows it is unused on purpose.
        m.let("pkg_in_tlast_unused", pkgIn.last().ref());
        Expr firstPkgBeat = m.let("first_pkg_beat", and(pkgFire, colFirst));
        Signal pkgWeight = m.register("pkg_weight", WEIGHT_BITS, false, null);
        m.next(pkgWeight, firstPkgBeat, weightIn.ref());

        // ---- rows: stage 0 accepts a beat and issues the sums word's read; stage 1 is both the kept
        // output register and the write-back of a dropped beat's sums.
        int xBits = 32 * lanes;
        Signal s1Valid = m.register("s1_valid", 1, 0);
        Signal s1Keep = m.register("s1_keep", 1, false, null);
        Signal s1P = m.register("s1_p", P_BITS, false, null);
        Signal s1X = m.register("s1_x", xBits, false, null);
        Signal s1Col = m.register("s1_col", colBits, false, null);
        Signal s1Last = m.register("s1_last", 1, false, null);
        Expr keptValid = m.let("kept_valid", and(s1Valid.ref(), s1Keep.ref()));
        Expr rowAdvance = m.let("row_advance", or(not(keptValid), kept.ready().ref()));
        Expr inReady = m.let("in_ready", and(rows, rowAdvance));
        Expr inFire = m.let("in_fire", and(in.valid().ref(), inReady));
        Expr inKeep = m.let("in_keep", bit(in.data().ref(), xBits + P_BITS));
        Expr inP = m.let("in_p", slice(in.data().ref(), xBits + P_BITS - 1, xBits));
        Expr inX = m.let("in_x", slice(in.data().ref(), xBits - 1, 0));
        m.let("in_tlast_unused", in.last().ref());
        m.next(s1Valid, rowAdvance, inFire);
        m.next(s1Keep, rowAdvance, inKeep);
        m.next(s1P, rowAdvance, inP);
        m.next(s1X, rowAdvance, inX);
        m.next(s1Col, rowAdvance, col.ref());
        m.next(s1Last, rowAdvance, colLast);

        // A dropped beat never stalls stage 1 (kept_valid is low), so its sums are written back the
        // cycle after their read.
        Expr dropWrite = m.let("drop_write", and(s1Valid.ref(), not(s1Keep.ref())));
        Expr drainAdvance = m.let("drain_advance", or(not(pkgOut.valid().ref()), pkgOut.ready().ref()));
        Expr drainIssue = m.let("drain_issue", and(draining, drainAdvance));
        Expr sumReadEnable = m.let("sums_read_enable", or(and(rows, rowAdvance), drainIssue));
        Signal sumRead = sums.read("read", sumReadEnable, col.ref());
        Expr sumWord = sumRead.ref();
        Signal forwardValid = null;
        Signal forward = null;
        if (beats == 1) {
            // One beat per row: the next read of the word is in the very cycle of the write-back, and
            // the memory's read would still see the old word. The written word is caught beside it.
            forwardValid = m.register("sums_forward_valid", 1, 0);
            forward = m.register("sums_forward", 64 * lanes, false, null);
            sumWord = m.let("sums_word", mux(forwardValid.ref(), forward.ref(), sumRead.ref()));
        }
        Expr pWide = m.let("s1_p_signed", asSigned(extend(s1P.ref(), P_BITS + 1)));
        List<Expr> newLanes = new ArrayList<>();
        for (int j = lanes - 1; j >= 0; j--) {
            Expr old = asSigned(slice(sumWord, 64 * j + 63, 64 * j));
            Expr x = asSigned(slice(s1X.ref(), 32 * j + 31, 32 * j));
            Expr product = m.let("drop_product_l" + j, mul(pWide, x));
            newLanes.add(asUnsigned(m.let("sum_new_l" + j, truncate(add(old, extend(product, 64)), 64))));
        }
        Expr sumNew = m.let("sum_new", concat(newLanes));
        if (forward != null) {
            m.next(forwardValid, sumReadEnable, dropWrite);
            m.next(forward, sumReadEnable, sumNew);
        }
        sums.write(or(pkgFire, dropWrite), mux(loading, col.ref(), s1Col.ref()),
                mux(loading, constant(0, 64 * lanes), sumNew));

        // W and "something was dropped", updated on the first beat of each dropped row.
        Signal weight = m.register("weight", wBits, false, null);
        Signal dropped = m.register("dropped", 1, 0);
        Expr dropRow = m.let("drop_row", and(and(inFire, colFirst), not(inKeep)));
        m.next(weight, or(firstPkgBeat, dropRow), mux(loading, extend(weightIn.ref(), wBits),
                truncate(add(weight.ref(), extend(inP, wBits)), wBits)));
        m.next(dropped, or(firstPkgBeat, dropRow), not(loading));

        // ---- the drain's issue: every element in order, word col, lane `lane`.
        int laneBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(lanes - 1));
        LaneCounter issueLane = laneCounter(m, "lane", drainIssue, lanes, laneBits);
        Expr lane = issueLane.value();
        Expr laneLast = issueLane.last();
        Expr drainWordDone = m.let("drain_word_done", and(drainIssue, laneLast));

        // ---- phase changes.
        Expr rowsDone = m.let("rows_done", and(and(inFire, colLast), rowLast));
        Expr outLastFire = m.let("pkg_out_last_fire", and(and(pkgOut.valid().ref(), pkgOut.ready().ref()),
                pkgOut.last().ref()));
        Expr stateNext = mux(loading, mux(noTokens, constant(DRAIN, 2), constant(ROWS, 2)),
                mux(rows, constant(DRAIN, 2), mux(draining, constant(FLUSH, 2), constant(LOAD, 2))));
        Expr stateChange = or(or(and(pkgFire, colLast), rowsDone),
                or(and(drainWordDone, colLast), and(flushing, outLastFire)));
        m.next(state, stateChange, stateNext);
        m.next(col, or(or(pkgFire, inFire), drainWordDone), colNext);
        m.next(row, or(firstPkgBeat, and(inFire, colLast)), mux(loading, constant(0, tokenBits),
                truncate(add(row.ref(), constant(1, 1)), tokenBits)));

        // ---- drain: read, pick the lane and add P pkg_c, prepare the dividend, divide, put the sign
        // back and saturate, gather L elements into a beat.
        Expr divideMode = m.let("divide_mode", and(dropped.ref(), ne(weight.ref(), constant(0, wBits))));
        Expr divisor = m.let("divisor", mux(divideMode, weight.ref(), constant(1, wBits)));
        Signal pkgRead = pkgRow.read("read", drainIssue, col.ref());
        Expr readValid = Arith.delayValid(m, "read_valid", drainAdvance, draining, 1);
        Expr readLast = Arith.delay(m, "read_last", drainAdvance, and(colLast, laneLast), 1);
        Expr readLane = lane == null ? null : Arith.delay(m, "read_lane", drainAdvance, lane, 1);
        Expr sumLane = asSigned(select(m, "drain_sum", sumWord, 64, lanes, readLane));
        Expr pkgLane = asSigned(select(m, "drain_pkg", pkgRead.ref(), 32, lanes, readLane));
        // P pkg_c is 73 bits; its low 64 are all a sum that wraps at 64 bits needs.
        Expr weighted = m.let("drain_weighted", truncate(mul(asSigned(extend(pkgWeight.ref(), WEIGHT_BITS + 1)),
                pkgLane), 64));
        Expr total = m.let("drain_total", truncate(add(sumLane, weighted), 64));
        Expr valueNext = m.let("drain_value_next", mux(divideMode, total, extend(pkgLane, 64)));
        Expr value = Arith.delay(m, "drain_value", drainAdvance, valueNext, 1);
        Expr valueValid = Arith.delayValid(m, "value_valid", drainAdvance, readValid, 1);
        Expr valueLast = Arith.delay(m, "value_last", drainAdvance, readLast, 1);
        Expr magnitude = Arith.magnitude(m, "drain_value", value);
        Expr half = m.let("divisor_half", extend(shiftRight(divisor, 1), 64));
        Expr dividendNext = m.let("dividend_next", add(magnitude, half));
        Expr dividend = Arith.delay(m, "dividend", drainAdvance, dividendNext, 1);
        Expr prepSign = Arith.delay(m, "prep_negative", drainAdvance, bit(value, 63), 1);
        Expr prepValid = Arith.delayValid(m, "prep_valid", drainAdvance, valueValid, 1);
        Expr prepLast = Arith.delay(m, "prep_last", drainAdvance, valueLast, 1);
        Expr quotient = Arith.divide(m, "div", drainAdvance, dividend, divisor, QUOTIENT_BITS);
        Expr qNegative = Arith.delay(m, "div_negative", drainAdvance, prepSign, QUOTIENT_BITS);
        Expr qValid = Arith.delayValid(m, "div_valid", drainAdvance, prepValid, QUOTIENT_BITS);
        Expr qLast = Arith.delay(m, "div_last", drainAdvance, prepLast, QUOTIENT_BITS);
        Expr qSigned = asSigned(extend(quotient, QUOTIENT_BITS + 1));
        Expr rounded = m.let("rounded", mux(qNegative, negate(qSigned), extend(qSigned, QUOTIENT_BITS + 2)));
        Expr element = asUnsigned(Arith.saturate(m, "element", rounded, 32));

        // The output beat is its own gathering register: lane j is written by the j-th element of
        // the beat, and the beat becomes valid with the last lane. The elements arrive in order, so
        // a counter at the output knows the lane without carrying it down the divider.
        Expr qArrive = m.let("div_arrive", and(drainAdvance, qValid));
        LaneCounter outLane = laneCounter(m, "pkg_out_fill", qArrive, lanes, laneBits);
        Expr fill = outLane.value();
        Expr fillLast = outLane.last();
        Signal outValid = m.register("pkg_out_valid", 1, 0);
        Signal outLast = m.register("pkg_out_last", 1, false, null);
        List<Expr> outLanes = new ArrayList<>();
        for (int j = lanes - 1; j >= 0; j--) {
            Signal r = m.register("pkg_out_element_l" + j, 32, false, null);
            Expr here = fill == null ? qArrive : and(qArrive, eq(fill, constant(j, laneBits)));
            m.next(r, here, element);
            outLanes.add(r.ref());
        }
        m.next(outValid, drainAdvance, and(qValid, fillLast));
        m.next(outLast, drainAdvance, qLast);
        Expr newWeight = wBits > WEIGHT_BITS ? truncate(weight.ref(), WEIGHT_BITS) : extend(weight.ref(), WEIGHT_BITS);
        List<Expr> outData = new ArrayList<>();
        outData.add(newWeight);
        outData.addAll(outLanes);

        m.assign(pkgIn.ready(), loading);
        m.assign(in.ready(), inReady);
        m.assign(kept.valid(), keptValid);
        m.assign(kept.data(), s1X.ref());
        m.assign(kept.last(), s1Last.ref());
        m.assign(pkgOut.valid(), outValid.ref());
        m.assign(pkgOut.data(), concat(outData));
        m.assign(pkgOut.last(), outLast.ref());
        return m.build();
    }

    /** A lane counter's value (null with one lane) and whether it is at the last lane (1 with one lane). */
    private record LaneCounter(Expr value, Expr last) {}

    /** A register {@code name} counting 0 .. lanes-1 on {@code step} and wrapping; nothing with one lane. */
    private static LaneCounter laneCounter(ModuleBuilder m, String name, Expr step, int lanes, int bits) {
        if (lanes == 1) {
            return new LaneCounter(null, constant(1, 1));
        }
        Signal reg = m.register(name, bits, 0);
        Expr last = m.let(name + "_last", eq(reg.ref(), constant(lanes - 1, bits)));
        m.next(reg, step, mux(last, constant(0, bits), truncate(add(reg.ref(), constant(1, 1)), bits)));
        return new LaneCounter(reg.ref(), last);
    }

    /** Lane {@code index} of the {@code lanes} fields of {@code bits} in {@code word}, through {@link Arith#select}. */
    private static Expr select(ModuleBuilder m, String name, Expr word, int bits, int lanes, Expr index) {
        List<Expr> fields = new ArrayList<>();
        for (int j = 0; j < lanes; j++) {
            fields.add(slice(word, bits * j + bits - 1, bits * j));
        }
        return m.let(name, Arith.select(fields, index));
    }

    /**
     * Cycles of one run with every valid and ready high, as {@code sim.run} counts them from the
     * first {@code pkg_in} handshake to the last {@code pkg_out} beat: b = dim / lanes load beats,
     * n b row beats, dim serial drain reads, and the drain pipeline's {@link #DRAIN_LATENCY} after the
     * last read: (n + 1) dim / lanes + dim + {@value #DRAIN_LATENCY}, the same whatever is kept or dropped.
     */
    public static long cycles(int dim, int tokens, int lanes) {
        return (long) (tokens + 1) * (dim / lanes) + dim + DRAIN_LATENCY;
    }

    /** The reference: {@link IntegerSelector#pack} itself. */
    public static IntegerSelector.Packed reference(int[][] patches, boolean[] keep, int[] p, int[] pkg,
                                                   long pkgWeight) {
        return IntegerSelector.pack(patches, keep, p, pkg, pkgWeight);
    }

    // ---- beat packing: every beat as 32-bit words, least significant first, as the simulators take them

    /**
     * One {@code in} beat: words 0..L-1 the elements {@code x[from .. from+L-1]}, word L
     * {keep [16], p [15:0]}.
     */
    public static int[] inBeat(boolean keep, int p, int[] x, int from, int lanes) {
        if (p < 0 || p >= 1 << P_BITS) {
            throw new IllegalArgumentException("p " + p + " does not fit " + P_BITS + " unsigned bits");
        }
        int[] words = new int[lanes + 1];
        System.arraycopy(x, from, words, 0, lanes);
        words[lanes] = p | (keep ? 1 << P_BITS : 0);
        return words;
    }

    /** The {@code in} stream of n rows: dim / lanes beats per row, rows in order. */
    public static int[][] inBeats(int[][] patches, boolean[] keep, int[] p, int lanes) {
        int n = patches.length;
        int dim = n == 0 ? 0 : patches[0].length;
        int b = beatsPerRow(dim, lanes);
        int[][] beats = new int[n * b][];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < b; k++) {
                beats[t * b + k] = inBeat(keep[t], p[t], patches[t], k * lanes, lanes);
            }
        }
        return beats;
    }

    /** TLAST flags of {@code rows} rows of {@code beatsPerRow} beats (dim / lanes): the last beat of each row. */
    public static boolean[] rowLast(int rows, int beatsPerRow) {
        boolean[] last = new boolean[rows * beatsPerRow];
        for (int t = 0; t < rows; t++) {
            last[t * beatsPerRow + beatsPerRow - 1] = true;
        }
        return last;
    }

    /** The {@code pkg_in} stream: dim / lanes beats of L int32. */
    public static int[][] packageBeats(int[] pkg, int lanes) {
        int b = beatsPerRow(pkg.length, lanes);
        int[][] beats = new int[b][];
        for (int k = 0; k < b; k++) {
            beats[k] = Arrays.copyOfRange(pkg, k * lanes, k * lanes + lanes);
        }
        return beats;
    }

    /** The {@code kept} stream's beats (L words each) as rows of dim elements. */
    public static int[][] keptRows(int[][] beats, int dim, int lanes) {
        int b = beatsPerRow(dim, lanes);
        if (beats.length % b != 0) {
            throw new IllegalArgumentException(beats.length + " kept beats are not whole rows of " + b);
        }
        int[][] rows = new int[beats.length / b][dim];
        for (int i = 0; i < beats.length; i++) {
            System.arraycopy(beats[i], 0, rows[i / b], (i % b) * lanes, lanes);
        }
        return rows;
    }

    private static int beatsPerRow(int dim, int lanes) {
        if (lanes < 1 || dim % lanes != 0) {
            throw new IllegalArgumentException("a row of " + dim + " is not whole beats of " + lanes + " lanes");
        }
        return dim / lanes;
    }

    /** A {@code pkg_out} beat decoded: the new weight P' and L package elements. */
    public record PackageBeat(long weight, int[] elements) {
        /** The beat as its 32 L + 40-bit word, 32-bit words least significant first. */
        public int[] words() {
            int[] w = Arrays.copyOf(elements, elements.length + 2);
            w[elements.length] = (int) weight;
            w[elements.length + 1] = (int) (weight >>> 32) & 0xFF;
            return w;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PackageBeat b && b.weight == weight && Arrays.equals(b.elements, elements);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(weight) * 31 + Arrays.hashCode(elements);
        }

        @Override
        public String toString() {
            return "PackageBeat[weight=" + weight + ", elements=" + Arrays.toString(elements) + "]";
        }
    }

    /** Decodes a {@code pkg_out} beat given as 32-bit words, least significant first. */
    public static PackageBeat packageBeat(int[] words, int lanes) {
        long weight = Integer.toUnsignedLong(words[lanes]) | (long) (words[lanes + 1] & 0xFF) << 32;
        return new PackageBeat(weight, Arrays.copyOf(words, lanes));
    }

    /** The whole {@code pkg_out} stream decoded: the new package token and P' (the last beat's). */
    public static IntegerSelector.Packed packageOut(int[][] beats, int[][] keptRows, int lanes) {
        int[] pkg = new int[beats.length * lanes];
        long weight = 0;
        for (int k = 0; k < beats.length; k++) {
            PackageBeat b = packageBeat(beats[k], lanes);
            System.arraycopy(b.elements(), 0, pkg, k * lanes, lanes);
            weight = b.weight();
        }
        return new IntegerSelector.Packed(keptRows, pkg, weight);
    }

    /** The {@code pkg_out} beats the reference predicts: P' (low 40 bits) beside each L elements. */
    public static PackageBeat[] expectedPackage(IntegerSelector.Packed packed, int lanes) {
        long w = packed.pkgWeight() & ((1L << WEIGHT_BITS) - 1);
        int b = beatsPerRow(packed.pkg().length, lanes);
        PackageBeat[] beats = new PackageBeat[b];
        for (int k = 0; k < b; k++) {
            beats[k] = new PackageBeat(w, Arrays.copyOfRange(packed.pkg(), k * lanes, k * lanes + lanes));
        }
        return beats;
    }
}
