package dev.vitforge.sim.verilator;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verilates a design plus its generated shim into {@code <cache>/<key>/obj/libmodel.so}.
 * The key hashes everything that can change the binary, so a hit is always safe to
 * reuse, across {@code mvn clean} and across processes.
 */
public final class VerilatorBuild {
    static final String NOT_FOUND = "Verilator not found on PATH: run `make setup` (or `apt-get install verilator`)";
    private static final String EXPORTS = "{ global: vf_*; local: *; };\n";
    private static final String EXPORTS_PLACEHOLDER = "@EXPORTS_MAP@";
    private static final Map<Path, String> VERSIONS = new ConcurrentHashMap<>();

    /** Test hook: when set, used instead of searching PATH for {@code verilator}. */
    static volatile Path verilatorOverride;

    /** Outcome of a build; {@code buildTime} is wall time including a cache lookup. */
    public record Result(String key, Path dir, Path library, boolean cacheHit, Duration buildTime) {}

    private VerilatorBuild() {}

    public static Result build(RtlSource src, BuildOptions opts) {
        return build(src, opts, BuildCache.root(), Map.of());
    }

    /**
     * Builds into an explicit cache root with extra environment for the Verilator
     * process. The benchmark uses it to time truly cold builds (fresh root, empty
     * CCACHE_DIR) without a global setting that other tests in the JVM would see.
     */
    static Result build(RtlSource src, BuildOptions opts, Path cacheRoot, Map<String, String> env) {
        Path verilator = findVerilator();
        List<StreamSpec> streams = StreamSpec.derive(src.top(), src.ports());
        String shim = ShimGenerator.generate(src, streams);
        List<String> options = options(src, opts);

        BuildCache.Hasher h = new BuildCache.Hasher();
        h.add("vitforge-verilator-v1").add(String.valueOf(src.files().size()));
        src.files().forEach((name, text) -> h.add(name).add(text));
        h.add(src.top()).add(String.join("\u0000", options)).add(version(verilator))
                .add(shim).add(ShimGenerator.resource("vitforge_jni.c"));
        String key = h.hex();

        BuildCache.Entry e = BuildCache.obtain(cacheRoot, key, work -> compile(verilator, src, shim, options, env, work));
        return new Result(key, e.dir(), e.dir().resolve("obj").resolve("libmodel.so"), e.hit(), e.time());
    }

    /** Verilator arguments except the file list; the exports map path is a placeholder. */
    private static List<String> options(RtlSource src, BuildOptions opts) {
        List<String> o = new ArrayList<>(List.of(
                "--cc", "--exe", "shim.cpp", "--build", "-j", "2", "-O3",
                "--top-module", src.top(), "-Mdir", "obj", "-o", "libmodel.so",
                "-CFLAGS", "-fPIC -fvisibility=hidden -O2",
                "-LDFLAGS", "-shared -Wl,--version-script=" + EXPORTS_PLACEHOLDER,
                "-MAKEFLAGS", "OPT_FAST=-O2 OPT_GLOBAL=-O2"));
        if (opts.trace()) o.add("--trace-fst");
        return o;
    }

    private static void compile(Path verilator, RtlSource src, String shim, List<String> options,
            Map<String, String> env, Path work) throws IOException {
        Path rtl = Files.createDirectories(work.resolve("rtl"));
        for (Map.Entry<String, String> f : src.files().entrySet()) {
            Files.writeString(rtl.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
        }
        Files.writeString(work.resolve("shim.cpp"), shim, StandardCharsets.UTF_8);
        Path exports = Files.writeString(work.resolve("exports.map"), EXPORTS);

        List<String> cmd = new ArrayList<>();
        cmd.add(verilator.toString());
        for (String o : options) {
            String v = o.replace(EXPORTS_PLACEHOLDER, exports.toAbsolutePath().toString());
            // ccache only speeds things up, so it stays out of the cache key.
            if (v.startsWith("OPT_FAST=") && onPath("ccache") != null) v += " OBJCACHE=ccache";
            cmd.add(v);
        }
        for (String name : src.files().keySet()) cmd.add("rtl/" + name);

        Path log = work.resolve("build.log");
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n");
        int rc;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            rc = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerilatorException("interrupted while building " + src.top() + " in " + work, e);
        }
        if (rc != 0 || !Files.isRegularFile(work.resolve("obj").resolve("libmodel.so"))) {
            throw new VerilatorException("Verilator build of " + src.top() + " failed (exit " + rc + ")\ncommand: "
                    + String.join(" ", cmd) + "\nworkspace: " + work + "\nlog tail:\n" + tail(log, 40));
        }
    }

    static Path findVerilator() {
        Path o = verilatorOverride;
        Path v = o != null ? (Files.isExecutable(o) ? o : null) : onPath("verilator");
        if (v == null) throw new VerilatorException(NOT_FOUND);
        return v;
    }

    static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path c = Path.of(dir, exe);
            if (Files.isRegularFile(c) && Files.isExecutable(c)) return c;
        }
        return null;
    }

    private static String version(Path verilator) {
        return VERSIONS.computeIfAbsent(verilator, v -> {
            try {
                Process p = new ProcessBuilder(v.toString(), "--version").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) throw new VerilatorException("`" + v + " --version` failed: " + out);
                return out.trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VerilatorException("interrupted running " + v, e);
            }
        });
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
