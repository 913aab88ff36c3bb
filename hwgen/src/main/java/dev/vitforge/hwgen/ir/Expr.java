package dev.vitforge.hwgen.ir;

import java.math.BigInteger;
import java.util.List;

/**
 * A combinational expression. Invariant: {@link #width()} is fixed when the node is made and the
 * emitter prints every node so that its Verilog self-determined width equals it. Operands of
 * arithmetic must agree in signedness; bitwise operands and mux arms must agree in width too.
 * Extension, truncation and reinterpretation are explicit nodes ({@link Resize}, {@link Cast}).
 */
public sealed interface Expr
        permits Expr.Ref, Expr.Const, Expr.Unary, Expr.Binary, Expr.Compare, Expr.Mux,
                Expr.Slice, Expr.Concat, Expr.Resize, Expr.Cast {

    int width();

    boolean signed();

    // ---------------------------------------------------------------- nodes

    record Ref(Signal signal) implements Expr {
        public int width() { return signal.width(); }
        public boolean signed() { return signal.signed(); }
    }

    /** A constant; {@code bits} holds the two's complement bit pattern, 0 <= bits < 2^width. */
    record Const(BigInteger bits, int width, boolean signed) implements Expr {
        public Const {
            if (width < 1 || bits.signum() < 0 || bits.bitLength() > width) {
                throw new IllegalArgumentException("constant bits " + bits + " do not fit " + width + " bits");
            }
        }
    }

    enum UnaryOp { NOT, NEGATE, REDUCE_AND, REDUCE_OR, REDUCE_XOR }

    record Unary(UnaryOp op, Expr a, int width, boolean signed) implements Expr {}

    enum BinaryOp { ADD, SUB, MUL, AND, OR, XOR }

    record Binary(BinaryOp op, Expr a, Expr b, int width, boolean signed) implements Expr {}

    enum CompareOp { EQ, NE, LT, LE, GT, GE }

    /** A 1-bit unsigned comparison result; signed operands compare as signed numbers. */
    record Compare(CompareOp op, Expr a, Expr b) implements Expr {
        public int width() { return 1; }
        public boolean signed() { return false; }
    }

    record Mux(Expr select, Expr whenTrue, Expr whenFalse) implements Expr {
        public int width() { return whenTrue.width(); }
        public boolean signed() { return whenTrue.signed(); }
    }

    /** Bits {@code [hi:lo]} of {@code a}, unsigned. */
    record Slice(Expr a, int hi, int lo) implements Expr {
        public int width() { return hi - lo + 1; }
        public boolean signed() { return false; }
    }

    /** Parts from most significant to least significant, unsigned. */
    record Concat(List<Expr> parts) implements Expr {
        public Concat { parts = List.copyOf(parts); }
        public int width() { return parts.stream().mapToInt(Expr::width).sum(); }
        public boolean signed() { return false; }
    }

    /** Sign- or zero-extension (by {@code a}'s signedness) or truncation to {@code width} bits. */
    record Resize(Expr a, int width) implements Expr {
        public boolean signed() { return a.signed(); }
    }

    /** The same bits read with another signedness. */
    record Cast(Expr a, boolean signed) implements Expr {
        public int width() { return a.width(); }
    }
}
