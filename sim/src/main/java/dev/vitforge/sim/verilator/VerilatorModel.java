package dev.vitforge.sim.verilator;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A built and loaded Verilator model of one design. Models of different designs
 * coexist in one JVM (each library is opened RTLD_LOCAL). A model is immutable and
 * may be shared between threads; each {@link SimInstance} belongs to one thread at a
 * time. Libraries stay loaded until the JVM exits, since unloading code that an
 * unclosed instance might still call is not worth the risk.
 */
public final class VerilatorModel {
    private static final Map<Path, Long> LOADED = new ConcurrentHashMap<>();

    private final RtlSource source;
    private final VerilatorBuild.Result build;
    private final long lib;
    private final boolean traced;
    private final List<StreamSpec> streams;
    private final Map<String, Integer> portIndex = new HashMap<>();
    private final Map<String, StreamSpec> streamByName = new HashMap<>();

    private VerilatorModel(RtlSource source, VerilatorBuild.Result build, long lib) {
        this.source = source;
        this.build = build;
        this.lib = lib;
        this.streams = StreamSpec.derive(source.top(), source.ports());
        for (int i = 0; i < source.ports().size(); i++) portIndex.put(source.ports().get(i).name(), i);
        for (StreamSpec s : streams) streamByName.put(s.name(), s);
        this.traced = NativeBridge.info(lib, 3) != 0;
        // Guards against a cached library that does not match this Java code.
        if (NativeBridge.info(lib, 0) != 1 || NativeBridge.info(lib, 1) != source.ports().size()
                || NativeBridge.info(lib, 2) != streams.size()) {
            throw new VerilatorException("model library " + build.library() + " does not match design " + source.top());
        }
    }

    public static VerilatorModel build(RtlSource source) {
        return build(source, BuildOptions.DEFAULT);
    }

    /** Builds (or finds in the cache) and loads the model. */
    public static VerilatorModel build(RtlSource source, BuildOptions options) {
        VerilatorBuild.Result r = VerilatorBuild.build(source, options);
        NativeBridge.ensureLoaded();
        long lib = LOADED.computeIfAbsent(r.library().toAbsolutePath(), p -> {
            try {
                return NativeBridge.open(p.toString());
            } catch (IllegalStateException e) {
                throw new VerilatorException("cannot load model " + source.top() + " from " + p + ": " + e.getMessage(), e);
            }
        });
        return new VerilatorModel(source, r, lib);
    }

    /** A fresh instance without waveform output. */
    public SimInstance newInstance() {
        return new SimInstance(this, NativeBridge.create(lib, null));
    }

    /** A fresh instance writing an FST waveform; the model must be built with trace on. */
    public SimInstance newInstance(Path fst) {
        if (fst == null) return newInstance();
        if (!traced) {
            throw new IllegalStateException("model " + top() + " was built without tracing; use BuildOptions.TRACED");
        }
        return new SimInstance(this, NativeBridge.create(lib, fst.toAbsolutePath().toString()));
    }

    public String top() {
        return source.top();
    }

    public RtlSource source() {
        return source;
    }

    public List<PortSpec> ports() {
        return source.ports();
    }

    public List<StreamSpec> streams() {
        return streams;
    }

    public boolean traced() {
        return traced;
    }

    /** How the library was obtained: cache key, directory, hit or miss, and time. */
    public VerilatorBuild.Result buildResult() {
        return build;
    }

    public boolean hasPort(String name) {
        return portIndex.containsKey(name);
    }

    int portIndex(String name) {
        Integer i = portIndex.get(name);
        if (i == null) {
            throw new IllegalArgumentException("model " + top() + " has no port '" + name + "'; ports: " + portIndex.keySet());
        }
        return i;
    }

    PortSpec port(String name) {
        return source.ports().get(portIndex(name));
    }

    StreamSpec stream(String name) {
        StreamSpec s = streamByName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("model " + top() + " has no stream '" + name + "'; streams: " + streamByName.keySet());
        }
        return s;
    }

    int streamIndex(StreamSpec s) {
        return streams.indexOf(s);
    }
}
