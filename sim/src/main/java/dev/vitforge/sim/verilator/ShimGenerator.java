package dev.vitforge.sim.verilator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Fills the shim template with one design's port accessors and stream table. */
final class ShimGenerator {
    private ShimGenerator() {}

    static String generate(RtlSource src, List<StreamSpec> streams) {
        return resource("shim.cpp.tmpl").replace("@@GENERATED@@", tables(src, streams));
    }

    private static String tables(RtlSource src, List<StreamSpec> streams) {
        List<PortSpec> ports = src.ports();
        StringBuilder b = new StringBuilder();
        b.append("#include \"V").append(src.top()).append(".h\"\n");
        b.append("typedef V").append(src.top()).append(" VfTop;\n");
        b.append("#define VF_NUM_PORTS ").append(ports.size()).append('\n');
        b.append("#define VF_NUM_STREAMS ").append(streams.size()).append('\n');
        boolean hasClk = ports.stream().anyMatch(p -> p.name().equals("clk") && p.input());
        // A design without clk still evaluates; step() then only advances time.
        b.append(hasClk ? "#define VF_SET_CLK(t, v) ((t)->clk = (v))\n" : "#define VF_SET_CLK(t, v) ((void)(t))\n");

        b.append("static void vf_port_set(VfTop* t, int idx, const uint32_t* w) {\n  switch (idx) {\n");
        for (int i = 0; i < ports.size(); i++) {
            PortSpec p = ports.get(i);
            if (p.input()) {
                b.append("    case ").append(i).append(": vf_setw(t->").append(p.name()).append(", w, ")
                        .append(p.width()).append("); break;\n");
            }
        }
        b.append("    default: (void)t; (void)w; break;\n  }\n}\n");

        b.append("static void vf_port_get(VfTop* t, int idx, uint32_t* w) {\n  switch (idx) {\n");
        for (int i = 0; i < ports.size(); i++) {
            PortSpec p = ports.get(i);
            b.append("    case ").append(i).append(": vf_getw(t->").append(p.name()).append(", w, ")
                    .append(p.width()).append("); break;\n");
        }
        b.append("    default: (void)t; (void)w; break;\n  }\n}\n");

        b.append("static const VfStreamInfo VF_STREAMS[] = {\n");
        for (StreamSpec s : streams) {
            b.append("  {").append(s.input() ? 1 : 0).append(", ").append(s.valid()).append(", ")
                    .append(s.ready()).append(", ").append(s.data()).append(", ").append(s.last())
                    .append(", ").append(s.width()).append("},  // ").append(s.name()).append('\n');
        }
        if (streams.isEmpty()) b.append("  {0, 0, 0, 0, -1, 1}  // placeholder: C++ has no empty arrays\n");
        b.append("};\n");
        return b.toString();
    }

    static String resource(String name) {
        try (InputStream in = ShimGenerator.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
