package dev.vitforge.sim.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.vitforge.hwgen.emit.VerilogEmitter;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Signal;
import dev.vitforge.sim.verilator.PortSpec;
import dev.vitforge.sim.verilator.RtlSource;

/** A design as the tools take it: emitted files on disk (leaves first) and the top's ports. */
public final class DesignFiles {
    private DesignFiles() {}

    public static RtlSource source(Design design) {
        Map<String, String> files = VerilogEmitter.emit(design);
        List<PortSpec> ports = new ArrayList<>();
        for (Signal p : design.top().ports()) {
            ports.add(new PortSpec(p.name(), p.width(), p.kind() == Signal.Kind.INPUT));
        }
        return new RtlSource(design.top().name(), new TreeMap<>(files), ports);
    }

    /** Writes the emitted files into {@code dir} and returns their paths in files.f order. */
    public static List<Path> write(Design design, Path directory) {
        Path dir = directory.toAbsolutePath();
        try {
            Files.createDirectories(dir);
            List<Path> paths = new ArrayList<>();
            for (Map.Entry<String, String> f : VerilogEmitter.emit(design).entrySet()) {
                Path p = dir.resolve(f.getKey());
                Files.writeString(p, f.getValue());
                paths.add(p);
            }
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the design into " + dir, e);
        }
    }
}
