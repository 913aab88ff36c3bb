package dev.vitforge.hwgen.selector;

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
 *
 * <p>Ports (clk, rst_n, then):
 * <ul>
 * <li>{@code tokens} (static, {@link #tokensWidth} bits): n, the patch rows of this run, 0..maxTokens;</li>
 * <li>{@code pkg_weight_in} (static, 40 bits unsigned): the previous package weight P (Q15);</li>
 * <li>{@code pkg_in} (32 bits, TLAST on the last beat): the previous package token, dim beats of int32;</li>
 * <li>{@code in} (49 bits, TLAST per row): n rows of dim beats {keep [48], p [47:32] Q15, x int32 [31:0]},
 *     keep and p the same on every beat of a row;</li>
 * <li>{@code kept} (32 bits, TLAST per row): the kept rows, int32, in input order;</li>
 * <li>{@code pkg_out} (72 bits, TLAST on the last beat): dim beats {P' [71:32], element int32 [31:0]}.</li>
 * </ul>
 * A run takes all of {@code pkg_in}, then the n rows, then emits {@code pkg_out}; framing comes from
 * dim and n (the TLAST inputs are not trusted), and the unit is ready for the next run once the last
 * {@code pkg_out} beat has left.
 *
 * <p>Data path. The sums S_c = P pkg_c + sum_dropped p_t x_t,c live in a block-RAM-shaped memory of
 * dim int64 words, written with P pkg_c while {@code pkg_in} arrives (which also goes into a second
 * memory) and updated by a read-modify-write pipeline while the rows stream: a beat's read is
 * issued when it is accepted and the sum is written back the next cycle, and the same column comes
 * back only dim >= 2 beats later, so no forwarding is needed. The arithmetic wraps at 64 bits like
 * the reference's long. A kept beat goes straight to the {@code kept} output register, which is the
 * same stage, so the row stream only stalls on {@code kept}'s backpressure. W = P + sum_dropped p_t
 * accumulates on the first beat of each dropped row.
 *
 * <p>The drain reads both memories column by column into one {@link Arith#divide} pipeline:
 * with something dropped and W != 0 it divides |S_c| + floor(W/2) by W (round half away from zero
 * once the sign is put back); otherwise it divides |pkg_c| by 1, so the package token passes
 * through the same pipeline unchanged and the timing does not depend on the data. Since every p_t
 * and P are >= 0, |S_c| <= W 2^31, so the quotient is at most 2^31 and {@value #QUOTIENT_BITS}
 * quotient bits cover it (and meet the divider's precondition); +2^31 saturates to int32. P' is W
 * in both cases (W = P when nothing was dropped, and W = 0 = P when W is 0), its low 40 bits.
 * The one case the reference treats differently is S_c = Long.MIN_VALUE, which needs P >= 2^32
 * (a weight of 2^17 tokens): there Java's Math.abs overflows and the hardware rounds correctly.
 */
public final class PackUnit {
    /** Quotient bits of the drain's divider: the rounded quotient is at most 2^31. */
    public static final int QUOTIENT_BITS = 32;
    /** Bits of the package weight on {@code pkg_weight_in} and in {@code pkg_out}. */
    public static final int WEIGHT_BITS = 40;
    /** Bits of p on the {@code in} stream (Q15, 0..32768). */
    public static final int P_BITS = 16;
    /** Width of an {@code in} beat: keep, p, x. */
    public static final int IN_WIDTH = 1 + P_BITS + 32;
    /** Width of a {@code pkg_out} beat: P', element. */
    public static final int PKG_OUT_WIDTH = WEIGHT_BITS + 32;
    /**
     * Cycles from a drain read's issue to its {@code pkg_out} handshake when nothing stalls:
     * memory read 1, dividend preparation 1, divider {@value #QUOTIENT_BITS}, output register 1.
     */
    public static final int DRAIN_LATENCY = 1 + 1 + QUOTIENT_BITS + 1;

    private static final int LOAD = 0;
    private static final int ROWS = 1;
    private static final int DRAIN = 2;
    private static final int FLUSH = 3;

    private PackUnit() {}

    /** The width of the {@code tokens} port: enough bits for maxTokens. */
    public static int tokensWidth(int maxTokens) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(maxTokens));
    }

    /** Bits of W = P + sum of at most maxTokens p's, so it never wraps. */
    static int sumWeightWidth(int maxTokens) {
        long max = (1L << WEIGHT_BITS) - 1 + (long) maxTokens * (1L << (P_BITS - 1));
        return 64 - Long.numberOfLeadingZeros(max);
    }

    public static Design design(int dim, int maxTokens) {
        return Design.of(generate("selector_pack_d" + dim + "_t" + maxTokens, dim, maxTokens),
                "PackUnit.design(" + dim + ", " + maxTokens + ")");
    }

    public static Module generate(String name, int dim, int maxTokens) {
        if (dim < 2 || maxTokens < 1 || maxTokens > (1 << 20)) {
            throw new IllegalArgumentException("pack unit '" + name + "': need dim >= 2 (the read-modify-write "
                    + "sees a column again only dim beats later) and 1 <= maxTokens <= 2^20, got dim " + dim
                    + ", maxTokens " + maxTokens);
        }
        ModuleBuilder m = new ModuleBuilder(name, "selector pack: kept-row compaction and package-token accumulator");
        m.parameter("DIM", dim).parameter("MAX_TOKENS", maxTokens);
        int tokenBits = tokensWidth(maxTokens);
        int wBits = sumWeightWidth(maxTokens);
        Signal tokens = m.input("tokens", tokenBits);
        Signal weightIn = m.input("pkg_weight_in", WEIGHT_BITS);
        StreamPort pkgIn = StreamPort.input(m, "pkg_in", 32, true);
        StreamPort in = StreamPort.input(m, "in", IN_WIDTH, true);
        StreamPort kept = StreamPort.output(m, "kept", 32, true);
        StreamPort pkgOut = StreamPort.output(m, "pkg_out", PKG_OUT_WIDTH, true);

        ModuleBuilder.MemoryBuilder sums = m.memory("sums", 64, dim);
        ModuleBuilder.MemoryBuilder pkgRow = m.memory("package_row", 32, dim);
        int colBits = sums.addressWidth();

        // ---- control: one column counter shared by the load, the rows and the drain (each phase
        // ends with it back at 0), a row counter, and the phase.
        Signal state = m.register("state", 2, LOAD);
        Signal col = m.register("col", colBits, 0);
        Signal row = m.register("row", tokenBits, 0);
        Expr loading = m.let("loading", eq(state.ref(), constant(LOAD, 2)));
        Expr rows = m.let("rows", eq(state.ref(), constant(ROWS, 2)));
        Expr draining = m.let("draining", eq(state.ref(), constant(DRAIN, 2)));
        Expr flushing = m.let("flushing", eq(state.ref(), constant(FLUSH, 2)));
        Expr colLast = m.let("col_last", eq(col.ref(), constant(dim - 1, colBits)));
        Expr colFirst = m.let("col_first", eq(col.ref(), constant(0, colBits)));
        Expr colNext = m.let("col_next", mux(colLast, constant(0, colBits),
                truncate(add(col.ref(), constant(1, 1)), colBits)));
        Expr noTokens = m.let("no_tokens", eq(tokens.ref(), constant(0, tokenBits)));
        Expr rowLast = m.let("row_last", eq(add(row.ref(), constant(1, 1)), extend(tokens.ref(), tokenBits + 1)));

        // ---- load: the previous package token into its memory, P * pkg_c into the sums.
        Expr pkgFire = m.let("pkg_in_fire", and(pkgIn.valid().ref(), loading));
        Expr pkgX = m.let("pkg_in_x", asSigned(pkgIn.data().ref()));
        Expr weightSigned = asSigned(extend(weightIn.ref(), WEIGHT_BITS + 1));
        Expr sumInit = m.let("sum_init", truncate(mul(weightSigned, pkgX), 64));
        pkgRow.write(pkgFire, col.ref(), pkgIn.data().ref());
        // Framing comes from dim; the TLAST is named so lint knows it is unused on purpose.
        m.let("pkg_in_tlast_unused", pkgIn.last().ref());

        // ---- rows: stage 0 accepts a beat and issues the sum's read; stage 1 is both the kept
        // output register and the write-back of a dropped beat's sum.
        Signal s1Valid = m.register("s1_valid", 1, 0);
        Signal s1Keep = m.register("s1_keep", 1, false, null);
        Signal s1P = m.register("s1_p", P_BITS, false, null);
        Signal s1X = m.register("s1_x", 32, true, null);
        Signal s1Col = m.register("s1_col", colBits, false, null);
        Signal s1Last = m.register("s1_last", 1, false, null);
        Expr keptValid = m.let("kept_valid", and(s1Valid.ref(), s1Keep.ref()));
        Expr rowAdvance = m.let("row_advance", or(not(keptValid), kept.ready().ref()));
        Expr inReady = m.let("in_ready", and(rows, rowAdvance));
        Expr inFire = m.let("in_fire", and(in.valid().ref(), inReady));
        Expr inKeep = m.let("in_keep", bit(in.data().ref(), IN_WIDTH - 1));
        Expr inP = m.let("in_p", slice(in.data().ref(), IN_WIDTH - 2, 32));
        Expr inX = m.let("in_x", asSigned(slice(in.data().ref(), 31, 0)));
        m.let("in_tlast_unused", in.last().ref());
        m.next(s1Valid, rowAdvance, inFire);
        m.next(s1Keep, rowAdvance, inKeep);
        m.next(s1P, rowAdvance, inP);
        m.next(s1X, rowAdvance, inX);
        m.next(s1Col, rowAdvance, col.ref());
        m.next(s1Last, rowAdvance, colLast);

        // A dropped beat never stalls stage 1 (kept_valid is low), so its sum is written back the
        // cycle after its read, before any read of the same column (dim >= 2 beats later).
        Expr dropWrite = m.let("drop_write", and(s1Valid.ref(), not(s1Keep.ref())));
        Expr drainAdvance = m.let("drain_advance", or(not(pkgOut.valid().ref()), pkgOut.ready().ref()));
        Expr drainIssue = m.let("drain_issue", and(draining, drainAdvance));
        Signal sumRead = sums.read("read", or(and(rows, rowAdvance), drainIssue), col.ref());
        Expr sumOld = asSigned(sumRead.ref());
        Expr product = m.let("drop_product", mul(asSigned(extend(s1P.ref(), P_BITS + 1)), s1X.ref()));
        Expr sumNew = m.let("sum_new", truncate(add(sumOld, extend(product, 64)), 64));
        sums.write(or(pkgFire, dropWrite), mux(loading, col.ref(), s1Col.ref()),
                asUnsigned(mux(loading, sumInit, sumNew)));

        // W and "something was dropped", updated on the first beat of each dropped row.
        Signal weight = m.register("weight", wBits, false, null);
        Signal dropped = m.register("dropped", 1, 0);
        Expr firstPkgBeat = m.let("first_pkg_beat", and(pkgFire, colFirst));
        Expr dropRow = m.let("drop_row", and(and(inFire, colFirst), not(inKeep)));
        m.next(weight, or(firstPkgBeat, dropRow), mux(loading, extend(weightIn.ref(), wBits),
                truncate(add(weight.ref(), extend(inP, wBits)), wBits)));
        m.next(dropped, or(firstPkgBeat, dropRow), not(loading));

        // ---- phase changes.
        Expr rowsDone = m.let("rows_done", and(and(inFire, colLast), rowLast));
        Expr outLastFire = m.let("pkg_out_last_fire", and(and(pkgOut.valid().ref(), pkgOut.ready().ref()),
                pkgOut.last().ref()));
        Expr stateNext = mux(loading, mux(noTokens, constant(DRAIN, 2), constant(ROWS, 2)),
                mux(rows, constant(DRAIN, 2), mux(draining, constant(FLUSH, 2), constant(LOAD, 2))));
        Expr stateChange = or(or(and(pkgFire, colLast), rowsDone),
                or(and(drainIssue, colLast), and(flushing, outLastFire)));
        m.next(state, stateChange, stateNext);
        m.next(col, or(or(pkgFire, inFire), drainIssue), colNext);
        m.next(row, or(firstPkgBeat, and(inFire, colLast)), mux(loading, constant(0, tokenBits),
                truncate(add(row.ref(), constant(1, 1)), tokenBits)));

        // ---- drain: read, prepare the dividend, divide, put the sign back and saturate.
        Expr divideMode = m.let("divide_mode", and(dropped.ref(), ne(weight.ref(), constant(0, wBits))));
        Expr divisor = m.let("divisor", mux(divideMode, weight.ref(), constant(1, wBits)));
        Signal pkgRead = pkgRow.read("read", drainIssue, col.ref());
        Expr readValid = Arith.delayValid(m, "read_valid", drainAdvance, draining, 1);
        Expr readLast = Arith.delay(m, "read_last", drainAdvance, colLast, 1);
        Expr value = m.let("drain_value", mux(divideMode, asSigned(sumRead.ref()),
                extend(asSigned(pkgRead.ref()), 64)));
        Expr magnitude = Arith.magnitude(m, "drain_value", value);
        Expr half = m.let("divisor_half", extend(shiftRight(divisor, 1), 64));
        Expr dividendNext = m.let("dividend_next", add(magnitude, half));
        Expr dividend = Arith.delay(m, "dividend", drainAdvance, dividendNext, 1);
        Expr prepSign = Arith.delay(m, "prep_negative", drainAdvance, bit(value, 63), 1);
        Expr prepValid = Arith.delayValid(m, "prep_valid", drainAdvance, readValid, 1);
        Expr prepLast = Arith.delay(m, "prep_last", drainAdvance, readLast, 1);
        Expr quotient = Arith.divide(m, "div", drainAdvance, dividend, divisor, QUOTIENT_BITS);
        Expr qNegative = Arith.delay(m, "div_negative", drainAdvance, prepSign, QUOTIENT_BITS);
        Expr qValid = Arith.delayValid(m, "div_valid", drainAdvance, prepValid, QUOTIENT_BITS);
        Expr qLast = Arith.delay(m, "div_last", drainAdvance, prepLast, QUOTIENT_BITS);
        Expr qSigned = asSigned(extend(quotient, QUOTIENT_BITS + 1));
        Expr rounded = m.let("rounded", mux(qNegative, negate(qSigned), extend(qSigned, QUOTIENT_BITS + 2)));
        Expr element = Arith.saturate(m, "element", rounded, 32);

        Signal outValid = m.register("pkg_out_valid", 1, 0);
        Signal outElement = m.register("pkg_out_element", 32, true, null);
        Signal outLast = m.register("pkg_out_last", 1, false, null);
        m.next(outValid, drainAdvance, qValid);
        m.next(outElement, drainAdvance, element);
        m.next(outLast, drainAdvance, qLast);
        Expr newWeight = wBits > WEIGHT_BITS ? truncate(weight.ref(), WEIGHT_BITS) : extend(weight.ref(), WEIGHT_BITS);

        m.assign(pkgIn.ready(), loading);
        m.assign(in.ready(), inReady);
        m.assign(kept.valid(), keptValid);
        m.assign(kept.data(), asUnsigned(s1X.ref()));
        m.assign(kept.last(), s1Last.ref());
        m.assign(pkgOut.valid(), outValid.ref());
        m.assign(pkgOut.data(), concat(newWeight, asUnsigned(outElement.ref())));
        m.assign(pkgOut.last(), outLast.ref());
        return m.build();
    }

    /**
     * Cycles of one run with every valid and ready high, as {@code sim.run} counts them from the
     * first {@code pkg_in} handshake to the last {@code pkg_out} beat: dim load beats, n dim row
     * beats, dim drain reads, and the drain pipeline's {@link #DRAIN_LATENCY} after the last read:
     * (n + 2) dim + {@value #DRAIN_LATENCY}, the same whatever is kept or dropped.
     */
    public static long cycles(int dim, int tokens) {
        return (long) (tokens + 2) * dim + DRAIN_LATENCY;
    }

    /** The reference: {@link IntegerSelector#pack} itself. */
    public static IntegerSelector.Packed reference(int[][] patches, boolean[] keep, int[] p, int[] pkg,
                                                   long pkgWeight) {
        return IntegerSelector.pack(patches, keep, p, pkg, pkgWeight);
    }

    // ---- beat packing

    /** One {@code in} beat: {keep [48], p [47:32], x [31:0]}. */
    public static long inBeat(boolean keep, int p, int x) {
        if (p < 0 || p >= 1 << P_BITS) {
            throw new IllegalArgumentException("p " + p + " does not fit " + P_BITS + " unsigned bits");
        }
        return (keep ? 1L << (IN_WIDTH - 1) : 0) | ((long) p << 32) | Integer.toUnsignedLong(x);
    }

    /** The {@code in} stream of n rows: row-major beats. */
    public static long[] inBeats(int[][] patches, boolean[] keep, int[] p) {
        int n = patches.length;
        int dim = n == 0 ? 0 : patches[0].length;
        long[] beats = new long[n * dim];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < dim; c++) {
                beats[t * dim + c] = inBeat(keep[t], p[t], patches[t][c]);
            }
        }
        return beats;
    }

    /** TLAST flags of {@code rows} rows of {@code dim} beats: the last beat of each row. */
    public static boolean[] rowLast(int rows, int dim) {
        boolean[] last = new boolean[rows * dim];
        for (int t = 0; t < rows; t++) {
            last[t * dim + dim - 1] = true;
        }
        return last;
    }

    /** The {@code pkg_in} stream: one int32 per beat (the low 32 bits of each long). */
    public static long[] packageBeats(int[] pkg) {
        long[] beats = new long[pkg.length];
        for (int c = 0; c < pkg.length; c++) {
            beats[c] = Integer.toUnsignedLong(pkg[c]);
        }
        return beats;
    }

    /** A {@code pkg_out} beat decoded: the new weight P' and one package element. */
    public record PackageBeat(long weight, int element) {
        /** The beat as its 72-bit word, three 32-bit words least significant first. */
        public int[] words() {
            return new int[] {element, (int) weight, (int) (weight >>> 32) & 0xFF};
        }
    }

    /** Decodes a {@code pkg_out} beat given as 32-bit words, least significant first. */
    public static PackageBeat packageBeat(int[] words) {
        long weight = Integer.toUnsignedLong(words[1]) | (long) (words[2] & 0xFF) << 32;
        return new PackageBeat(weight, words[0]);
    }

    /** The {@code pkg_out} beats the reference predicts: P' (low 40 bits) beside each element. */
    public static PackageBeat[] expectedPackage(IntegerSelector.Packed packed) {
        long w = packed.pkgWeight() & ((1L << WEIGHT_BITS) - 1);
        PackageBeat[] beats = new PackageBeat[packed.pkg().length];
        for (int c = 0; c < beats.length; c++) {
            beats[c] = new PackageBeat(w, packed.pkg()[c]);
        }
        return beats;
    }
}
