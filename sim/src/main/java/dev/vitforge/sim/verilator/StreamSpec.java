package dev.vitforge.sim.verilator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A valid/ready stream recognised from port names ({@code P_tvalid}, {@code P_tready},
 * {@code P_tdata}, optional {@code P_tlast}); the indices point into the port list.
 * {@code last} is -1 when the stream has no tlast.
 */
public record StreamSpec(String name, boolean input, int width, int valid, int ready, int data, int last) {

    /** Beat width in 32-bit words. */
    public int words() {
        return (width + 31) / 32;
    }

    /** Streams of a port list, sorted by name so shim and Java agree on indices. */
    static List<StreamSpec> derive(String top, List<PortSpec> ports) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < ports.size(); i++) index.put(ports.get(i).name(), i);
        TreeSet<String> names = new TreeSet<>();
        for (PortSpec p : ports) {
            if (p.name().endsWith("_tvalid")) names.add(p.name().substring(0, p.name().length() - 7));
        }
        List<StreamSpec> out = new ArrayList<>();
        for (String s : names) {
            int v = index.get(s + "_tvalid");
            Integer r = index.get(s + "_tready");
            Integer d = index.get(s + "_tdata");
            if (r == null || d == null) {
                throw new IllegalArgumentException(top + ": stream " + s + " has " + s
                        + "_tvalid but lacks " + (r == null ? s + "_tready" : s + "_tdata"));
            }
            int l = index.getOrDefault(s + "_tlast", -1);
            boolean in = ports.get(v).input();
            check(top, ports.get(v), in, 1);
            check(top, ports.get(r), !in, 1);
            check(top, ports.get(d), in, 0);
            if (l >= 0) check(top, ports.get(l), in, 1);
            out.add(new StreamSpec(s, in, ports.get(d).width(), v, r, d, l));
        }
        return List.copyOf(out);
    }

    private static void check(String top, PortSpec p, boolean wantInput, int wantWidth) {
        if (p.input() != wantInput) {
            throw new IllegalArgumentException(top + ": port " + p.name() + " should be an "
                    + (wantInput ? "input" : "output") + " for its stream direction");
        }
        if (wantWidth > 0 && p.width() != wantWidth) {
            throw new IllegalArgumentException(top + ": port " + p.name() + " must be "
                    + wantWidth + " bit wide, is " + p.width());
        }
    }
}
