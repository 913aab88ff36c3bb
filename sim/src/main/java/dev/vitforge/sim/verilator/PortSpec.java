package dev.vitforge.sim.verilator;

import java.util.Objects;

/** One port of the top module, in declaration order. */
public record PortSpec(String name, int width, boolean input) {
    public PortSpec {
        Objects.requireNonNull(name, "name");
        // Verilator escapes anything else, and the shim names ports as C++ members.
        if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("port name is not a plain identifier: " + name);
        }
        if (width < 1) throw new IllegalArgumentException("port " + name + " has width " + width);
    }

    public static PortSpec in(String name, int width) {
        return new PortSpec(name, width, true);
    }

    public static PortSpec out(String name, int width) {
        return new PortSpec(name, width, false);
    }

    /** Number of 32-bit words a value of this port occupies. */
    public int words() {
        return (width + 31) / 32;
    }
}
