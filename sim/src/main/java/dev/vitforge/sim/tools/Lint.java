package dev.vitforge.sim.tools;

import java.nio.file.Path;
import java.util.List;

import dev.vitforge.hwgen.ir.Design;

/** {@code verilator --lint-only -Wall}: the emitter's promise is that this prints nothing. */
public final class Lint {
    private Lint() {}

    /** Returns Verilator's complaints, empty when the design is clean. */
    public static String verilator(Design design, Path dir) {
        List<Path> files = DesignFiles.write(design, dir);
        List<String> cmd = ExternalTool.command("verilator", "--lint-only", "-Wall", "--top-module", design.top().name());
        files.forEach(f -> cmd.add(f.toString()));
        ExternalTool.Result r = ExternalTool.run(dir.toAbsolutePath(), 120, cmd);
        return r.output().strip();
    }

    /** Returns Icarus's complaints when compiling with {@code -g2012}, empty when clean. */
    public static String icarus(Design design, Path directory) {
        List<Path> files = DesignFiles.write(design, directory);
        Path dir = directory.toAbsolutePath();
        List<String> cmd = ExternalTool.command("iverilog", "-g2012", "-Wall", "-o", dir.resolve("lint.vvp").toString(),
                "-s", design.top().name());
        files.forEach(f -> cmd.add(f.toString()));
        ExternalTool.Result r = ExternalTool.run(dir, 120, cmd);
        return r.exitCode() == 0 ? r.output().strip() : "iverilog failed (" + r.exitCode() + "):\n" + r.output();
    }
}
