package dev.vitforge.sim.verilator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JNI surface. The glue library is compiled from a resource once per source
 * and JDK into the build cache, so no prebuilt native artifact ships with the jar.
 * Handles are raw pointers; callers (VerilatorModel, SimInstance) guard their use.
 */
final class NativeBridge {
    private static volatile boolean loaded;

    private NativeBridge() {}

    static synchronized void ensureLoaded() {
        if (loaded) return;
        String source = ShimGenerator.resource("vitforge_jni.c");
        Path jdk = Path.of(System.getProperty("java.home"));
        String key = "jni-" + new BuildCache.Hasher().add(source).add(jdk.toString()).hex();
        BuildCache.Entry e = BuildCache.obtain(BuildCache.root(), key, work -> compile(source, jdk, work));
        System.load(e.dir().resolve("libvitforge_jni.so").toAbsolutePath().toString());
        loaded = true;
    }

    private static void compile(String source, Path jdk, Path work) throws IOException {
        Files.writeString(work.resolve("vitforge_jni.c"), source, StandardCharsets.UTF_8);
        List<String> cmd = List.of("gcc", "-shared", "-fPIC", "-O2", "-fvisibility=hidden",
                "-I" + jdk.resolve("include"), "-I" + jdk.resolve("include").resolve("linux"),
                "vitforge_jni.c", "-o", "libvitforge_jni.so", "-ldl");
        Path log = work.resolve("build.log");
        try {
            Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (p.waitFor() != 0) {
                throw new VerilatorException("building JNI glue failed\ncommand: " + String.join(" ", cmd)
                        + "\nworkspace: " + work + "\nlog tail:\n" + VerilatorBuild.tail(log, 40));
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new VerilatorException("interrupted building JNI glue in " + work, ex);
        }
    }

    static native long open(String libraryPath);

    /** 0 = ABI version, 1 = port count, 2 = stream count, 3 = traced (0/1). */
    static native int info(long lib, int what);

    static native long create(long lib, String fstPath);

    static native void destroy(long inst);

    static native void poke(long inst, int port, long value);

    static native long peek(long inst, int port);

    static native void pokeWords(long inst, int port, int[] words);

    static native void peekWords(long inst, int port, int[] words);

    static native void eval(long inst);

    static native void step(long inst, long cycles);

    static native long cycles(long inst);

    static native void push(long inst, int stream, int[] words, boolean[] last, int beats);

    static native void expect(long inst, int stream, long beats);

    static native void backpressure(long inst, long seed, int validPct, int readyPct);

    static native long run(long inst, int donePort, long budget);

    static native long available(long inst, int stream);

    static native int pop(long inst, int stream, int[] words, boolean[] last, int max);
}
