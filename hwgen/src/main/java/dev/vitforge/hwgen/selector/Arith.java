package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Signal;

import java.util.ArrayList;
import java.util.List;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * Integer arithmetic the selector kernels share, as expression builders that name their
 * intermediate wires {@code <name>_*} so the emitted Verilog reads like the Java reference.
 */
public final class Arith {
    /** Width of a requantisation multiplier (models Requant: [2^30, 2^31) or 0), unsigned. */
    public static final int MULT_WIDTH = 31;
    /** Width of a requantisation shift (1..126), unsigned. */
    public static final int SHIFT_WIDTH = 7;

    private Arith() {}

    /**
     * {@code Requant.apply}: round-half-up(x * mult / 2^shift), saturated to {@code outWidth} signed
     * bits. Round half up is floor((x m + 2^(s-1)) / 2^s) = floor((floor(x m / 2^(s-1)) + 1) / 2), so
     * the rounding constant needs no run-time shift: one barrel shift by s - 1, an increment and a
     * fixed shift by one. The product is exact ({@code x.width() + 32} bits), as the reference's
     * 128-bit product is; shifts past the product's width leave its sign, which rounds to 0.
     */
    public static Expr requant(ModuleBuilder m, String name, Expr x, Expr mult, Expr shift, int outWidth) {
        check(x.signed(), name + ": requant input must be signed");
        check(mult.width() == MULT_WIDTH && !mult.signed(), name + ": multiplier must be unsigned " + MULT_WIDTH);
        check(shift.width() == SHIFT_WIDTH && !shift.signed(), name + ": shift must be unsigned " + SHIFT_WIDTH);
        Expr product = m.let(name + "_product", mul(x, asSigned(extend(mult, MULT_WIDTH + 1))));
        Expr shiftLess = m.let(name + "_shift_m1", truncate(sub(shift, constant(1, SHIFT_WIDTH)), SHIFT_WIDTH));
        Expr floorHalf = shiftRightBy(m, name + "_floor", product, shiftLess);
        Expr plusOne = add(floorHalf, signedConstant(1, 2));
        Expr rounded = m.let(name + "_rounded", shiftRight(plusOne, 1));
        return saturate(m, name, rounded, outWidth);
    }

    /**
     * {@code Requant.toInt8/toInt32} exactly: the exact result truncated to a long (what {@code Requant.apply}
     * returns when the result does not fit one), then saturated to {@code outWidth} bits. It differs from
     * {@link #requant} only when |x m / 2^s| >= 2^63, which calibrated scales never reach.
     */
    public static Expr requantLong(ModuleBuilder m, String name, Expr x, Expr mult, Expr shift, int outWidth) {
        Expr exact = requant(m, name, x, mult, shift, x.width() + MULT_WIDTH + 2);
        Expr asLong = m.let(name + "_long", truncate(exact, Math.min(64, exact.width())));
        return saturate(m, name + "_long", asLong, outWidth);
    }

    /** A signed value clamped to {@code width} signed bits. */
    public static Expr saturate(ModuleBuilder m, String name, Expr x, int width) {
        check(x.signed(), name + ": saturate needs a signed value");
        if (x.width() <= width) {
            return extend(x, width);
        }
        Expr max = signedConstant((1L << (width - 1)) - 1, width);
        Expr min = signedConstant(-(1L << (width - 1)), width);
        Expr wideMax = extend(max, x.width());
        Expr wideMin = extend(min, x.width());
        return m.let(name + "_sat", mux(gt(x, wideMax), max, mux(lt(x, wideMin), min, truncate(x, width))));
    }

    /** Arithmetic (signed) or logical shift right by a run-time amount, as a log2-stage mux tree. */
    public static Expr shiftRightBy(ModuleBuilder m, String name, Expr x, Expr amount) {
        check(!amount.signed(), name + ": shift amount must be unsigned");
        Expr v = x;
        for (int j = 0; j < amount.width(); j++) {
            int by = 1 << j;
            Expr shifted = by < v.width() ? shiftRight(v, by) : fill(v);
            v = m.let(name + "_s" + j, mux(bit(amount, j), shifted, v));
        }
        return v;
    }

    /** Every bit the value's sign (signed) or 0 (unsigned): what shifting it out entirely leaves. */
    private static Expr fill(Expr v) {
        if (!v.signed()) {
            return constant(0, v.width());
        }
        return mux(bit(v, v.width() - 1), signedConstant(-1, v.width()), signedConstant(0, v.width()));
    }

    /** |x| of a signed value as an unsigned one of the same width (the most negative value survives). */
    public static Expr magnitude(ModuleBuilder m, String name, Expr x) {
        check(x.signed(), name + ": magnitude needs a signed value");
        Expr neg = truncate(negate(x), x.width());
        return m.let(name + "_abs", asUnsigned(mux(bit(x, x.width() - 1), neg, x)));
    }

    /**
     * The entry of {@code entries} at {@code index} as a binary mux tree on the index's low bits;
     * indices past the end read the last entry.
     */
    public static Expr select(List<Expr> entries, Expr index) {
        int n = entries.size();
        int bits = 32 - Integer.numberOfLeadingZeros(n - 1);
        List<Expr> level = new ArrayList<>(entries);
        while (level.size() < (1 << bits)) {
            level.add(entries.get(n - 1));
        }
        for (int b = 0; b < bits; b++) {
            List<Expr> up = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                Expr hi = level.get(i + 1);
                Expr lo = level.get(i);
                up.add(hi == lo ? lo : mux(bit(index, b), hi, lo));
            }
            level = up;
        }
        return level.get(0);
    }

    /** {@code stages} registers in a row, loaded when {@code advance}: a value carried beside a pipeline. */
    public static Expr delay(ModuleBuilder m, String name, Expr advance, Expr x, int stages) {
        Expr v = x;
        for (int i = 0; i < stages; i++) {
            Signal r = m.register(name + "_p" + i, v.width(), v.signed(), null);
            m.next(r, advance, v);
            v = r.ref();
        }
        return v;
    }

    /** Like {@link #delay} for a control bit, reset to 0 (valid flags). */
    public static Expr delayValid(ModuleBuilder m, String name, Expr advance, Expr x, int stages) {
        Expr v = x;
        for (int i = 0; i < stages; i++) {
            Signal r = m.register(name + "_p" + i, 1, 0);
            m.next(r, advance, v);
            v = r.ref();
        }
        return v;
    }

    /**
     * A restoring divider pipelined one quotient bit per stage: floor(dividend / divisor) for unsigned
     * operands, one division per cycle, {@code quotientBits} cycles of latency (stage i registers the
     * remainder after bit quotientBits-1-i). The caller guarantees dividend < divisor * 2^quotientBits
     * and carries its valid bit and side data with {@link #delay}. A divisor of 0 gives all ones.
     */
    public static Expr divide(ModuleBuilder m, String name, Expr advance, Expr dividend, Expr divisor,
                              int quotientBits) {
        check(!dividend.signed() && !divisor.signed(), name + ": divide takes unsigned operands");
        int nd = dividend.width();
        Expr rem = dividend;
        Expr den = divisor;
        Expr quotient = null;
        for (int i = quotientBits - 1; i >= 0; i--) {
            int w = Math.max(nd, den.width() + i) + 1;
            Expr shifted = extend(i == 0 ? den : concat(den, constant(0, i)), w);
            Expr remWide = extend(rem, w);
            Expr fits = m.let(name + "_fits" + i, ge(remWide, shifted));
            Expr nextRem = truncate(mux(fits, truncate(sub(remWide, shifted), w), remWide), nd);
            List<Expr> qParts = new ArrayList<>();
            if (quotient != null) {
                qParts.add(quotient);
            }
            qParts.add(fits);
            Signal qReg = m.register(name + "_q" + i, quotientBits - i, false, null);
            m.next(qReg, advance, concat(qParts));
            quotient = qReg.ref();
            if (i > 0) { // the last remainder is not needed
                Signal remReg = m.register(name + "_rem" + i, nd, false, null);
                m.next(remReg, advance, nextRem);
                rem = remReg.ref();
            }
            if (i > 0) {
                Signal denReg = m.register(name + "_den" + i, den.width(), false, null);
                m.next(denReg, advance, den);
                den = denReg.ref();
            }
        }
        return quotient;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
