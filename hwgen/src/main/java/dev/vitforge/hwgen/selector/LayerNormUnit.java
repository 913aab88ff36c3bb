package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import java.util.ArrayList;
import java.util.List;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * The selector's per-head LayerNorm ({@code models.quant.IntLayerNorm}: {@code IntOps.normalize},
 * then gamma, beta and one requantisation to int8) over rows of d int32, {@code lanes} elements per
 * beat and one beat per cycle, so a row takes d / lanes cycles however long its statistics take.
 *
 * <p>Dataflow, one global advance ({@code !out_valid | out_ready}):
 * <ol>
 * <li>input: each beat goes into a row buffer (a ring of {@link #rowSlots} rows) while its lanes'
 *     x and x^2 are summed; the variance sum(x - mean)^2 equals sum x^2 - 2 mean sum x + d mean^2
 *     modulo 2^64, which is exactly the reference's wrapping long sum, so one pass suffices.</li>
 * <li>row statistics, one row per cycle if need be: mean = floor((2 sum + d) / 2d) in a pipelined
 *     divider ({@value #MEAN_BITS} stages), the variance, std = max(1, floor sqrt(var + eps)) in a
 *     pipelined digit-by-digit square root ({@value #SQRT_BITS} stages); into a small FIFO.</li>
 * <li>normalise: the row is read back beat by beat with its (mean, std); per lane the floor division
 *     (y * 2^17 + std) / (2 std) ({@value #NORM_BITS} stages), q * gamma + beta (64-bit wrap, as the
 *     reference's long) and the output requantisation to int8.</li>
 * </ol>
 * Rows overlap: row r is normalised while rows r+1.. load and their statistics are computed.
 *
 * <p>Ports: config {@code width} (d, a multiple of lanes, up to maxWidth), {@code eps} (integer
 * epsilon, unsigned 64), {@code out_mult}/{@code out_shift}; stream {@code param}: d / lanes beats of
 * lanes x {beta int64 [79:16], gamma int16 [15:0]} (lane j at bits [80j+79:80j]), taken once after
 * reset before the rows; stream {@code in}: lanes x int32 per beat (lane j at [32j+31:32j]), rows of
 * d / lanes beats, no TLAST needed; stream {@code out}: lanes x int8 and, in the top byte, the row's
 * requantised sum ({@code mean_mult}/{@code mean_shift}: the head gate's channel mean, which needs
 * exactly this sum), TLAST on each row's last beat.
 */
public final class LayerNormUnit {
    /** Quotient bits of the mean divider: |floor((2 sum + d) / 2d)| <= 2^31 + 1. */
    public static final int MEAN_BITS = 33;
    /** Quotient bits of the normalising divider: |y| <= std, so |q| <= 2^16 + 1. */
    public static final int NORM_BITS = 19;
    /** Fraction bits of the normalised value (IntLayerNorm.FRAC_BITS). */
    public static final int FRAC_BITS = 16;
    /** Result bits (= stages) of the square root of a 64-bit value. */
    public static final int SQRT_BITS = 32;
    /** Register stages from a row's last input beat to its statistics entering the FIFO. */
    public static final int STATS_LATENCY = 1 + MEAN_BITS + 1 + 1 + SQRT_BITS + 1;
    static final int PARAM_LANE_WIDTH = 80;

    private LayerNormUnit() {}

    public static Design design(int maxWidth, int lanes) {
        return Design.of(generate("selector_layernorm_w" + maxWidth + "_l" + lanes, maxWidth, lanes),
                "LayerNormUnit.design(" + maxWidth + ", " + lanes + ")");
    }

    /** Row slots in the buffer: enough rows of maxWidth to cover the statistics' latency at full rate. */
    public static int rowSlots(int maxWidth, int lanes) {
        int beatsPerRow = maxWidth / lanes;
        int needed = (STATS_LATENCY + beatsPerRow - 1) / beatsPerRow + 3;
        return Integer.highestOneBit(needed - 1) << 1;
    }

    /**
     * Cycles from the first {@code param} handshake to the last output with every stream at full rate
     * (width = maxWidth, or any width whose rows still cover the statistics' latency): the table (b = d /
     * lanes beats), the rows' b beats each, then the last row's statistics ({@link #STATS_LATENCY}), its b
     * beats of normalising and the normalising pipeline's drain (buffer read, divider; the output
     * register's cycle is the one in which the last beat leaves).
     */
    public static long cycles(int width, int rows, int lanes) {
        long b = width / lanes;
        return b + rows * b + STATS_LATENCY + b + 1 + NORM_BITS;
    }

    /**
     * The {@code param} stream for gamma (int16) and beta (int64) of one head: width / lanes beats of
     * lanes x {beta [79:16], gamma [15:0]}, lane j at bits [80j+79:80j], as 32-bit words, least first.
     */
    public static int[][] paramBeats(int[] gamma, long[] beta, int lanes) {
        int beats = gamma.length / lanes;
        int words = (PARAM_LANE_WIDTH * lanes + 31) / 32;
        java.math.BigInteger laneMask = java.math.BigInteger.ONE.shiftLeft(PARAM_LANE_WIDTH)
                .subtract(java.math.BigInteger.ONE);
        int[][] out = new int[beats][words];
        for (int b = 0; b < beats; b++) {
            java.math.BigInteger word = java.math.BigInteger.ZERO;
            for (int j = lanes - 1; j >= 0; j--) {
                int c = b * lanes + j;
                java.math.BigInteger lane = java.math.BigInteger.valueOf(beta[c]).shiftLeft(16)
                        .or(java.math.BigInteger.valueOf(gamma[c] & 0xFFFF)).and(laneMask);
                word = word.shiftLeft(PARAM_LANE_WIDTH).or(lane);
            }
            for (int w = 0; w < words; w++) {
                out[b][w] = word.shiftRight(32 * w).intValue();
            }
        }
        return out;
    }

    public static Module generate(String name, int maxWidth, int lanes) {
        if (lanes < 1 || Integer.bitCount(lanes) != 1 || maxWidth < lanes || maxWidth % lanes != 0) {
            throw new IllegalArgumentException("layernorm '" + name + "': lanes must be a power of two dividing "
                    + "maxWidth, got maxWidth " + maxWidth + ", lanes " + lanes);
        }
        ModuleBuilder m = new ModuleBuilder(name, "selector LayerNorm: integer mean, variance, isqrt, normalise, "
                + "gamma/beta, requantise to int8; " + lanes + " elements per beat");
        m.parameter("MAX_WIDTH", maxWidth).parameter("LANES", lanes);
        int countBits = 32 - Integer.numberOfLeadingZeros(maxWidth); // holds maxWidth itself
        int laneBits = Integer.numberOfTrailingZeros(lanes);
        int maxBeats = maxWidth / lanes;
        int beatBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(maxBeats - 1));
        int slots = rowSlots(maxWidth, lanes);
        int slotBits = Integer.numberOfTrailingZeros(slots);
        int sumBits = 32 + countBits + 1;

        Signal width = m.input("width", countBits);
        Signal eps = m.input("eps", 64);
        Signal outMult = m.input("out_mult", Arith.MULT_WIDTH);
        Signal outShift = m.input("out_shift", Arith.SHIFT_WIDTH);
        Signal meanMult = m.input("mean_mult", Arith.MULT_WIDTH);
        Signal meanShift = m.input("mean_shift", Arith.SHIFT_WIDTH);
        StreamPort param = StreamPort.input(m, "param", lanes * PARAM_LANE_WIDTH, false);
        StreamPort in = StreamPort.input(m, "in", lanes * 32, false);
        StreamPort out = StreamPort.output(m, "out", lanes * 8 + 8, true);

        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));
        // Beats per row = width / lanes (width is a multiple of lanes); the last beat's index.
        Expr lastBeat = m.let("last_beat", truncate(sub(extend(slice(width.ref(), countBits - 1, laneBits),
                beatBits + 1), constant(1, 1)), beatBits + 1));

        // ---- the gamma/beta table, then the rows into the buffer with their sums ----
        Signal loaded = m.register("params_loaded", 1, 0);
        Signal paramBeat = m.register("param_beat", beatBits + 1, 0);
        Expr paramFire = m.let("param_fire", and(not(loaded.ref()), param.valid().ref()));
        Expr paramLast = m.let("param_last", eq(paramBeat.ref(), lastBeat));
        m.assign(param.ready(), not(loaded.ref()));
        m.next(loaded, and(paramFire, paramLast), constant(1, 1));
        m.next(paramBeat, paramFire, truncate(add(paramBeat.ref(), constant(1, 1)), beatBits + 1));
        ModuleBuilder.MemoryBuilder table = m.memory("gamma_beta", lanes * PARAM_LANE_WIDTH, 1 << beatBits);
        table.write(paramFire, truncate(paramBeat.ref(), beatBits), param.data().ref());

        Signal inBeat = m.register("in_beat", beatBits + 1, 0);
        Signal inSlot = m.register("in_slot", slotBits, 0);
        Signal rowsHeld = m.register("rows_held", slotBits + 1, 0);
        Expr rowStart = m.let("row_start", eq(inBeat.ref(), constant(0, beatBits + 1)));
        Expr roomForRow = m.let("room_for_row", or(not(rowStart), lt(rowsHeld.ref(), constant(slots, slotBits + 1))));
        Expr inFire = m.let("in_fire", and(and(and(loaded.ref(), advance), roomForRow), in.valid().ref()));
        m.assign(in.ready(), and(and(loaded.ref(), advance), roomForRow));
        Expr inRowEnd = m.let("in_row_end", and(inFire, eq(inBeat.ref(), lastBeat)));
        m.next(inBeat, inFire, mux(inRowEnd, constant(0, beatBits + 1),
                truncate(add(inBeat.ref(), constant(1, 1)), beatBits + 1)));
        m.next(inSlot, inRowEnd, truncate(add(inSlot.ref(), constant(1, 1)), slotBits));
        ModuleBuilder.MemoryBuilder rowBuffer = m.memory("row_buffer", lanes * 32, slots << beatBits);
        rowBuffer.write(inFire, concat(inSlot.ref(), truncate(inBeat.ref(), beatBits)), in.data().ref());

        Expr beatSum = null;
        Expr beatSquares = null;
        for (int j = 0; j < lanes; j++) {
            Expr x = asSigned(slice(in.data().ref(), 32 * j + 31, 32 * j));
            Expr sq = extend(mul(x, x), 64);
            beatSum = beatSum == null ? extend(x, sumBits) : truncate(add(beatSum, extend(x, sumBits)), sumBits);
            beatSquares = beatSquares == null ? sq : truncate(add(beatSquares, sq), 64);
        }
        beatSum = m.let("beat_sum", beatSum);
        beatSquares = m.let("beat_squares", beatSquares);
        Signal sumAcc = m.register("row_sum", sumBits, true, 0L);
        Signal squareAcc = m.register("row_squares", 64, true, 0L);
        Expr sumNow = m.let("row_sum_now", mux(rowStart, beatSum, truncate(add(sumAcc.ref(), beatSum), sumBits)));
        Expr squaresNow = m.let("row_squares_now", mux(rowStart, beatSquares,
                truncate(add(squareAcc.ref(), beatSquares), 64)));
        m.next(sumAcc, inFire, sumNow);
        m.next(squareAcc, inFire, squaresNow);

        // ---- row statistics: mean divider, variance, square root ----
        Signal s0Valid = m.register("stats_valid", 1, 0);
        Signal s0Sum = m.register("stats_sum", sumBits, true, null);
        Signal s0Squares = m.register("stats_squares", 64, true, null);
        m.next(s0Valid, advance, inRowEnd);
        m.next(s0Sum, advance, sumNow);
        m.next(s0Squares, advance, squaresNow);
        Expr twoD = m.let("two_d", concat(width.ref(), constant(0, 1)));
        Expr meanNumerator = m.let("mean_numerator", add(asSigned(concat(s0Sum.ref(), constant(0, 1))),
                asSigned(extend(width.ref(), countBits + 1))));
        Expr meanNegative = m.let("mean_negative", bit(meanNumerator, meanNumerator.width() - 1));
        Expr meanMagnitude = Arith.magnitude(m, "mean_numerator", meanNumerator);
        Expr meanDividend = m.let("mean_dividend", mux(meanNegative,
                truncate(sub(add(meanMagnitude, extend(twoD, meanMagnitude.width())), constant(1, 1)),
                        meanMagnitude.width() + 1),
                extend(meanMagnitude, meanMagnitude.width() + 1)));
        Expr meanQuotient = Arith.divide(m, "mean_div", advance, meanDividend, twoD, MEAN_BITS);
        Expr dValid = Arith.delayValid(m, "mean_div_valid", advance, s0Valid.ref(), MEAN_BITS);
        Expr dNegative = Arith.delay(m, "mean_div_negative", advance, meanNegative, MEAN_BITS);
        Expr dSum = Arith.delay(m, "mean_div_sum", advance, s0Sum.ref(), MEAN_BITS);
        Expr dSquares = Arith.delay(m, "mean_div_squares", advance, s0Squares.ref(), MEAN_BITS);
        // The head gate's channel mean of this row comes free: the row sum, requantised to int8.
        Expr rowMean = Arith.requantLong(m, "row_mean", s0Sum.ref(), meanMult.ref(), meanShift.ref(), 8);
        Expr dRowMean = Arith.delay(m, "mean_div_row_mean", advance, asUnsigned(rowMean), MEAN_BITS);
        Expr meanSigned = asSigned(extend(meanQuotient, MEAN_BITS + 1));
        Signal s1Valid = m.register("mean_valid", 1, 0);
        Signal s1Mean = m.register("mean", MEAN_BITS + 1, true, null);
        Signal s1Sum = m.register("mean_sum", sumBits, true, null);
        Signal s1Squares = m.register("mean_squares", 64, true, null);
        Signal s1RowMean = m.register("mean_row_mean", 8, false, null);
        m.next(s1RowMean, advance, dRowMean);
        m.next(s1Valid, advance, dValid);
        m.next(s1Mean, advance, mux(dNegative, truncate(negate(meanSigned), MEAN_BITS + 1), meanSigned));
        m.next(s1Sum, advance, dSum);
        m.next(s1Squares, advance, dSquares);

        Expr meanTimesSum = mul(s1Mean.ref(), s1Sum.ref());
        Expr dMeanSquared = mul(asSigned(extend(width.ref(), countBits + 1)), mul(s1Mean.ref(), s1Mean.ref()));
        int vw = Math.max(meanTimesSum.width() + 1, dMeanSquared.width()) + 2;
        Expr variance = m.let("variance", truncate(add(sub(add(extend(s1Squares.ref(), vw),
                asSigned(extend(eps.ref(), vw))), extend(asSigned(concat(meanTimesSum, constant(0, 1))), vw)),
                extend(dMeanSquared, vw)), 64));
        Signal s2Valid = m.register("variance_valid", 1, 0);
        Signal s2Variance = m.register("variance_q", 64, false, null);
        Signal s2Mean = m.register("variance_mean", MEAN_BITS + 1, true, null);
        Signal s2RowMean = m.register("variance_row_mean", 8, false, null);
        m.next(s2RowMean, advance, s1RowMean.ref());
        m.next(s2Valid, advance, s1Valid.ref());
        m.next(s2Variance, advance, asUnsigned(variance));
        m.next(s2Mean, advance, s1Mean.ref());

        // Digit-by-digit square root, one result bit per stage.
        Expr radicand = s2Variance.ref();
        Expr remainder = constant(0, 35);
        Expr root = constant(0, SQRT_BITS);
        for (int k = 0; k < SQRT_BITS; k++) {
            int top = 63 - 2 * k;
            Expr shifted = m.let("sqrt_shifted" + k, concat(remainder, slice(radicand, top, top - 1)));
            Expr trial = extend(concat(root, constant(1, 2)), shifted.width());
            Expr fits = m.let("sqrt_fits" + k, ge(shifted, trial));
            Expr nextRem = truncate(mux(fits, truncate(sub(shifted, trial), shifted.width()), shifted), 35);
            Expr nextRoot = concat(slice(root, SQRT_BITS - 2, 0), fits);
            Signal rootReg = m.register("sqrt_root" + k, SQRT_BITS, false, null);
            m.next(rootReg, advance, nextRoot);
            root = rootReg.ref();
            if (k < SQRT_BITS - 1) { // the last remainder and radicand are not needed
                Signal remReg = m.register("sqrt_rem" + k, 35, false, null);
                m.next(remReg, advance, nextRem);
                remainder = remReg.ref();
                Signal radReg = m.register("sqrt_radicand" + k, top - 1, false, null);
                m.next(radReg, advance, slice(radicand, top - 2, 0));
                radicand = radReg.ref();
            }
        }
        Expr sqValid = Arith.delayValid(m, "sqrt_valid", advance, s2Valid.ref(), SQRT_BITS);
        Expr sqMean = Arith.delay(m, "sqrt_mean", advance, s2Mean.ref(), SQRT_BITS);
        Expr sqRowMean = Arith.delay(m, "sqrt_row_mean", advance, s2RowMean.ref(), SQRT_BITS);

        // ---- the statistics FIFO (at most one entry per buffered row) ----
        int statsWidth = 8 + MEAN_BITS + 1 + 32;
        Expr std = m.let("std", mux(eq(root, constant(0, SQRT_BITS)), constant(1, SQRT_BITS), root));
        Expr push = m.let("stats_push", and(advance, sqValid));
        Signal writePtr = m.register("stats_write", slotBits + 1, 0);
        Signal readPtr = m.register("stats_read", slotBits + 1, 0);
        List<Signal> entries = new ArrayList<>();
        for (int e = 0; e < slots; e++) {
            Signal entry = m.register("stats_entry" + e, statsWidth, false, null);
            m.next(entry, and(push, eq(truncate(writePtr.ref(), slotBits), constant(e, slotBits))),
                    concat(sqRowMean, asUnsigned(sqMean), std));
            entries.add(entry);
        }
        Expr head = entries.get(0).ref();
        for (int e = 1; e < slots; e++) {
            head = mux(eq(truncate(readPtr.ref(), slotBits), constant(e, slotBits)), entries.get(e).ref(), head);
        }
        head = m.let("stats_head", head);
        Expr statsReady = m.let("stats_ready", ne(writePtr.ref(), readPtr.ref()));
        m.next(writePtr, push, truncate(add(writePtr.ref(), constant(1, 1)), slotBits + 1));

        // ---- normalise: issue the buffered row beat by beat with its statistics ----
        Signal normBeat = m.register("norm_beat", beatBits + 1, 0);
        Signal normSlot = m.register("norm_slot", slotBits, 0);
        Expr issue = m.let("issue", and(advance, statsReady));
        Expr issueLast = m.let("issue_last", and(issue, eq(normBeat.ref(), lastBeat)));
        m.next(normBeat, issue, mux(issueLast, constant(0, beatBits + 1),
                truncate(add(normBeat.ref(), constant(1, 1)), beatBits + 1)));
        m.next(normSlot, issueLast, truncate(add(normSlot.ref(), constant(1, 1)), slotBits));
        m.next(readPtr, issueLast, truncate(add(readPtr.ref(), constant(1, 1)), slotBits + 1));
        Expr claim = m.let("row_claim", and(inFire, rowStart));
        m.next(rowsHeld, or(claim, issueLast), mux(claim,
                mux(issueLast, rowsHeld.ref(), truncate(add(rowsHeld.ref(), constant(1, 1)), slotBits + 1)),
                truncate(sub(rowsHeld.ref(), constant(1, 1)), slotBits + 1)));

        Signal readX = rowBuffer.read("x", advance, concat(normSlot.ref(), truncate(normBeat.ref(), beatBits)));
        Signal readParam = table.read("gamma_beta", advance, truncate(normBeat.ref(), beatBits));
        Signal bValid = m.register("read_valid", 1, 0);
        Signal bLast = m.register("read_last", 1, 0);
        Signal bMean = m.register("read_mean", MEAN_BITS + 1, true, null);
        Signal bStd = m.register("read_std", 32, false, null);
        Signal bRowMean = m.register("read_row_mean", 8, false, null);
        m.next(bRowMean, advance, slice(head, statsWidth - 1, statsWidth - 8));
        m.next(bValid, advance, issue);
        m.next(bLast, advance, issueLast);
        m.next(bMean, advance, asSigned(slice(head, statsWidth - 9, 32)));
        m.next(bStd, advance, slice(head, 31, 0));

        Expr stdSigned = asSigned(extend(bStd.ref(), 33));
        Expr twoStd = m.let("two_std", concat(bStd.ref(), constant(0, 1)));
        int nw = MEAN_BITS + 2 + FRAC_BITS + 1 + 1;
        Expr validOut = Arith.delayValid(m, "norm_valid", advance, bValid.ref(), NORM_BITS);
        Expr lastOut = Arith.delayValid(m, "norm_last", advance, bLast.ref(), NORM_BITS);
        Expr paramOut = Arith.delay(m, "norm_gamma_beta", advance, readParam.ref(), NORM_BITS);
        Expr rowMeanOut = Arith.delay(m, "norm_row_mean", advance, bRowMean.ref(), NORM_BITS);
        List<Expr> results = new ArrayList<>();
        for (int j = 0; j < lanes; j++) {
            String l = "lane" + j + "_";
            Expr x = asSigned(slice(readX.ref(), 32 * j + 31, 32 * j));
            Expr y = m.let(l + "centred", truncate(sub(x, bMean.ref()), MEAN_BITS + 2));
            Expr numerator = m.let(l + "numerator", truncate(add(extend(asSigned(concat(y,
                    constant(0, FRAC_BITS + 1))), nw), extend(stdSigned, nw)), nw));
            Expr negative = m.let(l + "negative", bit(numerator, nw - 1));
            Expr magnitude = Arith.magnitude(m, l + "numerator", numerator);
            Expr dividend = m.let(l + "dividend", mux(negative,
                    truncate(sub(add(magnitude, extend(twoStd, nw)), constant(1, 1)), nw + 1),
                    extend(magnitude, nw + 1)));
            Expr quotient = Arith.divide(m, l + "div", advance, dividend, twoStd, NORM_BITS);
            Expr negativeOut = Arith.delay(m, l + "negative", advance, negative, NORM_BITS);
            Expr qSigned = asSigned(extend(quotient, NORM_BITS + 1));
            Expr q = m.let(l + "normalised", mux(negativeOut, truncate(negate(qSigned), NORM_BITS + 1), qSigned));
            int base = PARAM_LANE_WIDTH * j;
            Expr gamma = asSigned(slice(paramOut, base + 15, base));
            Expr beta = asSigned(slice(paramOut, base + 79, base + 16));
            Expr scaled = m.let(l + "scaled", truncate(add(extend(mul(q, gamma), 64), beta), 64));
            results.add(0, asUnsigned(Arith.requantLong(m, l + "out", scaled, outMult.ref(), outShift.ref(), 8)));
        }
        results.add(0, rowMeanOut);
        Signal outData = m.register("out_data", lanes * 8 + 8, false, null);
        Signal outLast = m.register("out_last", 1, 0);
        m.next(outData, advance, concat(results));
        m.next(outLast, advance, lastOut);
        m.next(outValid, advance, validOut);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        m.assign(out.last(), outLast.ref());
        return m.build();
    }
}
