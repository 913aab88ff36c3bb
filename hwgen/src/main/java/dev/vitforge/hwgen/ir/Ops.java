package dev.vitforge.hwgen.ir;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

import dev.vitforge.hwgen.ir.Expr.Binary;
import dev.vitforge.hwgen.ir.Expr.BinaryOp;
import dev.vitforge.hwgen.ir.Expr.Compare;
import dev.vitforge.hwgen.ir.Expr.CompareOp;
import dev.vitforge.hwgen.ir.Expr.Unary;
import dev.vitforge.hwgen.ir.Expr.UnaryOp;

/**
 * The only way expressions are made: each factory checks its operands and fixes the result's
 * width by one rule (add/sub: max+1, mul: sum, bitwise: equal widths, compare: 1 bit).
 * A misuse throws {@link IllegalArgumentException} naming the operands.
 */
public final class Ops {
    private Ops() {}

    public static Expr.Const constant(long value, int width) {
        return constant(BigInteger.valueOf(value), width, false);
    }

    public static Expr.Const signedConstant(long value, int width) {
        return constant(BigInteger.valueOf(value), width, true);
    }

    /** A constant of {@code width} bits; negative values are stored as two's complement. */
    public static Expr.Const constant(BigInteger value, int width, boolean signed) {
        BigInteger min = signed ? BigInteger.ONE.shiftLeft(width - 1).negate() : BigInteger.ZERO;
        BigInteger max = (signed ? BigInteger.ONE.shiftLeft(width - 1) : BigInteger.ONE.shiftLeft(width))
                .subtract(BigInteger.ONE);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException("constant " + value + " does not fit " + width
                    + (signed ? " signed" : " unsigned") + " bits");
        }
        BigInteger bits = value.signum() < 0 ? value.add(BigInteger.ONE.shiftLeft(width)) : value;
        return new Expr.Const(bits, width, signed);
    }

    public static Expr add(Expr a, Expr b) {
        sameSignedness("+", a, b);
        return new Binary(BinaryOp.ADD, a, b, Math.max(a.width(), b.width()) + 1, a.signed());
    }

    public static Expr sub(Expr a, Expr b) {
        sameSignedness("-", a, b);
        return new Binary(BinaryOp.SUB, a, b, Math.max(a.width(), b.width()) + 1, a.signed());
    }

    public static Expr mul(Expr a, Expr b) {
        sameSignedness("*", a, b);
        return new Binary(BinaryOp.MUL, a, b, a.width() + b.width(), a.signed());
    }

    public static Expr and(Expr a, Expr b) { return bitwise(BinaryOp.AND, "&", a, b); }

    public static Expr or(Expr a, Expr b) { return bitwise(BinaryOp.OR, "|", a, b); }

    public static Expr xor(Expr a, Expr b) { return bitwise(BinaryOp.XOR, "^", a, b); }

    public static Expr not(Expr a) { return new Unary(UnaryOp.NOT, a, a.width(), a.signed()); }

    /** Two's complement negation, one bit wider so that the most negative value survives. */
    public static Expr negate(Expr a) {
        if (!a.signed()) {
            throw new IllegalArgumentException("negate needs a signed operand, got unsigned " + describe(a));
        }
        return new Unary(UnaryOp.NEGATE, a, a.width() + 1, true);
    }

    public static Expr reduceAnd(Expr a) { return new Unary(UnaryOp.REDUCE_AND, a, 1, false); }

    public static Expr reduceOr(Expr a) { return new Unary(UnaryOp.REDUCE_OR, a, 1, false); }

    public static Expr reduceXor(Expr a) { return new Unary(UnaryOp.REDUCE_XOR, a, 1, false); }

    public static Expr eq(Expr a, Expr b) { return compare(CompareOp.EQ, a, b); }

    public static Expr ne(Expr a, Expr b) { return compare(CompareOp.NE, a, b); }

    public static Expr lt(Expr a, Expr b) { return compare(CompareOp.LT, a, b); }

    public static Expr le(Expr a, Expr b) { return compare(CompareOp.LE, a, b); }

    public static Expr gt(Expr a, Expr b) { return compare(CompareOp.GT, a, b); }

    public static Expr ge(Expr a, Expr b) { return compare(CompareOp.GE, a, b); }

    public static Expr mux(Expr select, Expr whenTrue, Expr whenFalse) {
        oneBit("mux select", select);
        if (whenTrue.width() != whenFalse.width() || whenTrue.signed() != whenFalse.signed()) {
            throw new IllegalArgumentException("mux arms differ: " + describe(whenTrue) + " vs " + describe(whenFalse));
        }
        return new Expr.Mux(select, whenTrue, whenFalse);
    }

    public static Expr slice(Expr a, int hi, int lo) {
        if (lo < 0 || hi < lo || hi >= a.width()) {
            throw new IllegalArgumentException("slice [" + hi + ":" + lo + "] is outside " + describe(a));
        }
        if (lo == 0 && hi == a.width() - 1 && !a.signed()) {
            return a;
        }
        return new Expr.Slice(a, hi, lo);
    }

    public static Expr bit(Expr a, int index) { return slice(a, index, index); }

    public static Expr concat(Expr... parts) { return concat(Arrays.asList(parts)); }

    public static Expr concat(List<Expr> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat of nothing");
        }
        return parts.size() == 1 && !parts.get(0).signed() ? parts.get(0) : new Expr.Concat(parts);
    }

    /** Zero-extends (unsigned) or sign-extends (signed) to a wider width; never truncates. */
    public static Expr extend(Expr a, int width) {
        if (width < a.width()) {
            throw new IllegalArgumentException("extend to " + width + " bits would truncate " + describe(a));
        }
        return width == a.width() ? a : new Expr.Resize(a, width);
    }

    /** Keeps the low {@code width} bits; the signedness is kept. */
    public static Expr truncate(Expr a, int width) {
        if (width > a.width() || width < 1) {
            throw new IllegalArgumentException("truncate to " + width + " bits is not narrower than " + describe(a));
        }
        return width == a.width() ? a : new Expr.Resize(a, width);
    }

    public static Expr asSigned(Expr a) { return a.signed() ? a : new Expr.Cast(a, true); }

    public static Expr asUnsigned(Expr a) { return a.signed() ? new Expr.Cast(a, false) : a; }

    /** Arithmetic (signed) or logical (unsigned) shift right by a constant, same width. */
    public static Expr shiftRight(Expr a, int amount) {
        if (amount <= 0 || amount >= a.width()) {
            throw new IllegalArgumentException("shift by " + amount + " is outside " + describe(a));
        }
        Expr high = slice(a, a.width() - 1, amount);
        return extend(a.signed() ? asSigned(high) : high, a.width());
    }

    /** The value as text for error messages: a signal's name or the node's kind and width. */
    public static String describe(Expr e) {
        String sign = e.signed() ? "signed " : "";
        if (e instanceof Expr.Ref r) {
            return "'" + r.signal().name() + "' (" + sign + e.width() + " bits)";
        }
        return e.getClass().getSimpleName().toLowerCase() + " (" + sign + e.width() + " bits)";
    }

    private static Expr bitwise(BinaryOp op, String symbol, Expr a, Expr b) {
        if (a.width() != b.width()) {
            throw new IllegalArgumentException("operands of '" + symbol + "' differ in width: "
                    + describe(a) + " vs " + describe(b) + "; extend or truncate one explicitly");
        }
        sameSignedness(symbol, a, b);
        return new Binary(op, a, b, a.width(), a.signed());
    }

    private static Expr compare(CompareOp op, Expr a, Expr b) {
        sameSignedness(op.name().toLowerCase(), a, b);
        return new Compare(op, a, b);
    }

    private static void sameSignedness(String op, Expr a, Expr b) {
        if (a.signed() != b.signed()) {
            throw new IllegalArgumentException("operands of '" + op + "' differ in signedness: "
                    + describe(a) + " vs " + describe(b) + "; cast one explicitly");
        }
    }

    private static void oneBit(String what, Expr e) {
        if (e.width() != 1) {
            throw new IllegalArgumentException(what + " must be 1 bit, got " + describe(e));
        }
    }
}
