package dev.vitforge.sim.verilator;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A design ready for Verilator: file name to Verilog text, the top module's name and
 * its ports in order. Clock is {@code clk}; an optional active-low synchronous reset
 * is {@code rst_n}.
 */
public record RtlSource(String top, SortedMap<String, String> files, List<PortSpec> ports) {
    public RtlSource {
        Objects.requireNonNull(top, "top");
        if (files.isEmpty()) throw new IllegalArgumentException("no RTL files for " + top);
        // Defensive copies: the cache key must not change under our feet.
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        ports = List.copyOf(ports);
    }

    /** Convenience for a design held in one file named {@code <top>.v}. */
    public static RtlSource single(String top, String verilog, List<PortSpec> ports) {
        TreeMap<String, String> files = new TreeMap<>();
        files.put(top + ".v", verilog);
        return new RtlSource(top, files, ports);
    }
}
