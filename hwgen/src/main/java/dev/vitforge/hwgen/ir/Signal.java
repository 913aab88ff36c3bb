package dev.vitforge.hwgen.ir;

/** A named net of a module; its width and signedness never change after it is declared. */
public record Signal(String name, int width, boolean signed, Kind kind) {

    /** What drives a signal and how it is declared in Verilog. */
    public enum Kind {
        INPUT, OUTPUT, WIRE,
        /** A flip-flop ({@code _q}); its next value is a {@link Register}. */
        REG,
        /** The registered read data of a {@link Memory} read port. */
        MEMORY_READ
    }

    public Signal {
        if (width < 1) {
            throw new IllegalArgumentException("signal '" + name + "' must be at least 1 bit wide, got " + width);
        }
    }

    public Expr.Ref ref() {
        return new Expr.Ref(this);
    }

    public boolean isPort() {
        return kind == Kind.INPUT || kind == Kind.OUTPUT;
    }
}
