package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * The selector's per-head LayerNorm ({@code models.quant.IntLayerNorm}, i.e. {@code IntOps.normalize}
 * then gamma, beta and one requantisation to int8), row by row over rows of {@code width} int32.
 *
 * <p>Phases per row: LOAD takes the row into a row buffer while summing x and x^2 (the variance
 * sum(x - mean)^2 equals sum x^2 - 2 mean sum x + d mean^2 modulo 2^64, which is exactly what the
 * reference's wrapping long sum gives, so no second pass is needed); MEAN divides
 * floor((2 sum + d) / 2d) in a pipelined divider ({@value #MEAN_BITS} cycles); SQRT takes the floor
 * square root of var + eps digit by digit (32 cycles); NORM reads the row back and streams it
 * through a pipelined floor division (y * 2^17 + std) / (2 std), one element per cycle, then
 * q * gamma + beta and the output requantisation. The next row loads while the last one drains.
 *
 * <p>Ports: config {@code width} (d, 1..maxWidth), {@code eps} (the integer epsilon, unsigned 64),
 * {@code out_mult}/{@code out_shift}; stream {@code param} (d beats {beta int64 [79:16], gamma int16
 * [15:0]}, loaded once before the rows); stream {@code in} (int32, rows of d, no TLAST needed);
 * stream {@code out} (int8, TLAST on each row's last element).
 */
public final class LayerNormUnit {
    /** Quotient bits of the mean divider: |floor((2 sum + d) / 2d)| <= 2^31 + 1. */
    public static final int MEAN_BITS = 33;
    /** Quotient bits of the normalising divider: |y| <= std, so |q| <= 2^16 + 1. */
    public static final int NORM_BITS = 19;
    /** Fraction bits of the normalised value (IntLayerNorm.FRAC_BITS). */
    public static final int FRAC_BITS = 16;
    /** Cycles of the digit-by-digit square root of a 64-bit value. */
    public static final int SQRT_CYCLES = 32;
    static final int PARAM_WIDTH = 80;

    private static final int PARAM = 0;
    private static final int LOAD = 1;
    private static final int MEAN = 2;
    private static final int SQRT = 3;
    private static final int NORM = 4;
    private static final int HAND_OVER = 5;

    private LayerNormUnit() {}

    public static Design design(int maxWidth) {
        return Design.of(generate("selector_layernorm_w" + maxWidth, maxWidth), "LayerNormUnit.design(" + maxWidth + ")");
    }

    /**
     * Cycles from the first {@code param} handshake to the last output with every stream at full
     * rate: the table, then per row LOAD d + MEAN + SQRT + two hand-over cycles + NORM d, and the
     * drain of the last row's pipeline (buffer read, divider, output register).
     */
    public static long cycles(int width, int rows) {
        if (rows == 0) {
            return width;
        }
        return width + (long) rows * (2L * width + MEAN_BITS + 1 + SQRT_CYCLES + 1 + 1) + NORM_BITS + 2;
    }

    public static Module generate(String name, int maxWidth) {
        if (maxWidth < 1) {
            throw new IllegalArgumentException("layernorm '" + name + "': maxWidth must be >= 1, got " + maxWidth);
        }
        ModuleBuilder m = new ModuleBuilder(name, "selector LayerNorm: integer mean, variance, isqrt, normalise, "
                + "gamma/beta, requantise to int8");
        m.parameter("MAX_WIDTH", maxWidth);
        int countBits = 32 - Integer.numberOfLeadingZeros(maxWidth); // holds maxWidth itself
        int sumBits = 32 + countBits + 1;
        Signal width = m.input("width", countBits);
        Signal eps = m.input("eps", 64);
        Signal outMult = m.input("out_mult", Arith.MULT_WIDTH);
        Signal outShift = m.input("out_shift", Arith.SHIFT_WIDTH);
        StreamPort param = StreamPort.input(m, "param", PARAM_WIDTH, false);
        StreamPort in = StreamPort.input(m, "in", 32, false);
        StreamPort out = StreamPort.output(m, "out", 8, true);

        Signal state = m.register("state", 3, PARAM);
        Signal count = m.register("count", countBits, 0);
        Signal sum = m.register("sum", sumBits, true, 0L);
        Signal sumSquares = m.register("sum_squares", 64, true, 0L);
        Signal phaseCycles = m.register("phase_cycles", 6, 0);
        Expr inState = m.let("in_param", eq(state.ref(), constant(PARAM, 3)));
        Expr inLoad = m.let("in_load", eq(state.ref(), constant(LOAD, 3)));
        Expr inMean = m.let("in_mean", eq(state.ref(), constant(MEAN, 3)));
        Expr inSqrt = m.let("in_sqrt", eq(state.ref(), constant(SQRT, 3)));
        Expr inNorm = m.let("in_norm", eq(state.ref(), constant(NORM, 3)));
        Expr inHandOver = m.let("in_hand_over", eq(state.ref(), constant(HAND_OVER, 3)));
        Expr lastIndex = m.let("last_index", eq(extend(count.ref(), countBits + 1),
                truncate(sub(extend(width.ref(), countBits + 1), constant(1, 1)), countBits + 1)));
        Expr countNext = truncate(add(count.ref(), constant(1, 1)), countBits);

        // Output pipeline enable (PipelinedMac style): the NORM datapath moves when out can take a beat.
        Signal outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));

        // PARAM and LOAD: the gamma/beta table, then a row into the buffer with its sums.
        Expr paramFire = m.let("param_fire", and(inState, param.valid().ref()));
        Expr loadFire = m.let("load_fire", and(inLoad, in.valid().ref()));
        m.assign(param.ready(), inState);
        m.assign(in.ready(), inLoad);
        ModuleBuilder.MemoryBuilder table = m.memory("gamma_beta", PARAM_WIDTH, maxWidth);
        ModuleBuilder.MemoryBuilder row = m.memory("row", 32, maxWidth);
        int aw = row.addressWidth();
        Expr address = truncate(extend(count.ref(), Math.max(aw, countBits)), aw);
        table.write(paramFire, address, param.data().ref());
        row.write(loadFire, address, in.data().ref());
        Expr x = asSigned(in.data().ref());
        Expr sumNext = truncate(add(sum.ref(), extend(x, sumBits)), sumBits);
        Expr squareNext = truncate(add(sumSquares.ref(), extend(mul(x, x), 64)), 64);

        // MEAN: floorDiv(2 sum + d, 2d) by magnitude; the divider sees steady operands for MEAN_BITS cycles.
        Expr twoD = m.let("two_d", concat(width.ref(), constant(0, 1)));
        Expr meanNumerator = m.let("mean_numerator", add(asSigned(concat(sum.ref(), constant(0, 1))),
                asSigned(extend(width.ref(), countBits + 1))));
        Expr meanNegative = m.let("mean_negative", bit(meanNumerator, meanNumerator.width() - 1));
        Expr meanMagnitude = Arith.magnitude(m, "mean_numerator", meanNumerator);
        Expr meanDividend = m.let("mean_dividend", mux(meanNegative,
                truncate(sub(add(meanMagnitude, extend(twoD, meanMagnitude.width())), constant(1, 1)),
                        meanMagnitude.width() + 1),
                extend(meanMagnitude, meanMagnitude.width() + 1)));
        Expr meanQuotient = Arith.divide(m, "mean_div", constant(1, 1), meanDividend, twoD, MEAN_BITS);
        Expr meanSigned = asSigned(extend(meanQuotient, MEAN_BITS + 1));
        Expr meanValue = m.let("mean_value", mux(meanNegative, truncate(negate(meanSigned), MEAN_BITS + 1), meanSigned));
        Signal mean = m.register("mean", MEAN_BITS + 1, true, null);
        Expr meanDone = m.let("mean_done", and(inMean, eq(phaseCycles.ref(), constant(MEAN_BITS, 6))));
        m.next(mean, meanDone, meanValue);

        // SQRT: var = eps + sum x^2 - 2 mean sum x + d mean^2 (mod 2^64), then floor sqrt digit by digit.
        Expr meanTimesSum = mul(mean.ref(), sum.ref());
        Expr dMeanSquared = mul(asSigned(extend(width.ref(), countBits + 1)), mul(mean.ref(), mean.ref()));
        int vw = Math.max(meanTimesSum.width() + 1, dMeanSquared.width()) + 2;
        Expr variance = m.let("variance", truncate(add(sub(add(extend(sumSquares.ref(), vw),
                        asSigned(extend(eps.ref(), vw))), extend(asSigned(concat(meanTimesSum, constant(0, 1))), vw)),
                extend(dMeanSquared, vw)), 64));
        // The first SQRT cycle loads the radicand from this row's mean (latched as MEAN ended); 32 steps follow.
        Signal radicand = m.register("radicand", 64, false, null);
        Signal remainder = m.register("sqrt_remainder", 35, false, null);
        Signal root = m.register("root", 32, false, null);
        Expr startSqrt = m.let("sqrt_start", and(inSqrt, eq(phaseCycles.ref(), constant(0, 6))));
        Expr sqrtStep = m.let("sqrt_step", and(inSqrt, not(startSqrt)));
        Expr pair = m.let("sqrt_pair", slice(radicand.ref(), 63, 62));
        Expr shiftedRem = m.let("sqrt_shifted", concat(remainder.ref(), pair));
        Expr trial = m.let("sqrt_trial", concat(root.ref(), constant(1, 2)));
        Expr trialFits = m.let("sqrt_fits", ge(shiftedRem, extend(trial, shiftedRem.width())));
        Expr stepping = or(startSqrt, sqrtStep);
        m.next(radicand, stepping, mux(startSqrt, asUnsigned(variance),
                concat(slice(radicand.ref(), 61, 0), constant(0, 2))));
        m.next(remainder, stepping, mux(startSqrt, constant(0, 35),
                truncate(mux(trialFits, truncate(sub(shiftedRem, extend(trial, shiftedRem.width())),
                        shiftedRem.width()), shiftedRem), 35)));
        m.next(root, stepping, mux(startSqrt, constant(0, 32), concat(slice(root.ref(), 30, 0), trialFits)));
        Expr sqrtDone = m.let("sqrt_done", and(inSqrt, eq(phaseCycles.ref(), constant(SQRT_CYCLES, 6))));

        // NORM: issue d buffer reads; the hand-over waits until the read stage is empty so the
        // mean and std it uses are this row's.
        Signal normMean = m.register("norm_mean", MEAN_BITS + 1, true, null);
        Signal std = m.register("std", 32, false, null);
        Signal readValid = m.register("read_valid", 1, 0);
        Signal readLast = m.register("read_last", 1, 0);
        Expr handOver = m.let("hand_over", and(inHandOver, or(not(readValid.ref()), advance)));
        m.next(normMean, handOver, mean.ref());
        m.next(std, handOver, mux(eq(root.ref(), constant(0, 32)), constant(1, 32), root.ref()));
        Expr issue = m.let("issue", and(inNorm, advance));
        Signal readX = row.read("x", advance, address);
        Signal readParam = table.read("gamma_beta", advance, address);
        m.next(readValid, advance, issue);
        m.next(readLast, advance, and(issue, lastIndex));

        Expr y = m.let("centred", truncate(sub(asSigned(readX.ref()), normMean.ref()), MEAN_BITS + 2));
        Expr stdSigned = asSigned(extend(std.ref(), 33));
        int nw = MEAN_BITS + 2 + FRAC_BITS + 1 + 1;
        Expr numerator = m.let("norm_numerator", truncate(add(extend(asSigned(concat(y, constant(0, FRAC_BITS + 1))), nw),
                extend(stdSigned, nw)), nw));
        Expr twoStd = m.let("two_std", concat(std.ref(), constant(0, 1)));
        Expr numNegative = m.let("norm_negative", bit(numerator, nw - 1));
        Expr numMagnitude = Arith.magnitude(m, "norm_numerator", numerator);
        Expr normDividend = m.let("norm_dividend", mux(numNegative,
                truncate(sub(add(numMagnitude, extend(twoStd, nw)), constant(1, 1)), nw + 1),
                extend(numMagnitude, nw + 1)));
        Expr normQuotient = Arith.divide(m, "norm_div", advance, normDividend, twoStd, NORM_BITS);
        Expr negativeOut = Arith.delay(m, "norm_negative", advance, numNegative, NORM_BITS);
        Expr paramOut = Arith.delay(m, "gamma_beta", advance, readParam.ref(), NORM_BITS);
        Expr validOut = Arith.delayValid(m, "norm_valid", advance, readValid.ref(), NORM_BITS);
        Expr lastOut = Arith.delayValid(m, "norm_last", advance, readLast.ref(), NORM_BITS);
        Expr qSigned = asSigned(extend(normQuotient, NORM_BITS + 1));
        Expr q = m.let("normalised", mux(negativeOut, truncate(negate(qSigned), NORM_BITS + 1), qSigned));
        Expr gamma = asSigned(slice(paramOut, 15, 0));
        Expr beta = asSigned(slice(paramOut, 79, 16));
        Expr scaled = m.let("scaled", truncate(add(extend(mul(q, gamma), 64), beta), 64));
        Expr result = Arith.requant(m, "out_rq", scaled, outMult.ref(), outShift.ref(), 8);
        Signal outData = m.register("out_data", 8, false, null);
        Signal outLast = m.register("out_last", 1, 0);
        m.next(outData, advance, asUnsigned(result));
        m.next(outLast, advance, lastOut);
        m.next(outValid, advance, validOut);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        m.assign(out.last(), outLast.ref());

        // The state machine.
        Expr countStep = or(or(paramFire, loadFire), issue);
        Expr rowEnds = and(countStep, lastIndex);
        m.next(count, or(countStep, constant(0, 1)), mux(rowEnds, constant(0, countBits), countNext));
        Expr loadStart = m.let("load_start", and(loadFire, eq(count.ref(), constant(0, countBits))));
        m.next(sum, loadFire, mux(loadStart, extend(x, sumBits), sumNext));
        m.next(sumSquares, loadFire, mux(loadStart, asSigned(extend(mul(x, x), 64)), squareNext));
        Expr toMean = and(loadFire, lastIndex);
        Expr phaseReset = or(or(toMean, meanDone), sqrtDone);
        m.next(phaseCycles, or(or(inMean, inSqrt), phaseReset), mux(phaseReset, constant(0, 6),
                truncate(add(phaseCycles.ref(), constant(1, 1)), 6)));
        Expr nextState = mux(and(paramFire, lastIndex), constant(LOAD, 3),
                mux(toMean, constant(MEAN, 3),
                mux(meanDone, constant(SQRT, 3),
                mux(sqrtDone, constant(HAND_OVER, 3),
                mux(handOver, constant(NORM, 3),
                mux(and(issue, lastIndex), constant(LOAD, 3), state.ref()))))));
        m.next(state, nextState);
        return m.build();
    }
}
