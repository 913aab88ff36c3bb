package dev.vitforge.hwgen.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A top module with every module it instantiates, leaves first. {@code source} says what the
 * design was generated from (a generator and its parameters, or a model card) and
 * {@code sourceHash} is that source's SHA-256, printed in every emitted file's header.
 */
public record Design(Module top, List<Module> modules, String source, String sourceHash) {

    public static final String GENERATOR = "vitforge-hwgen 0.1.0";

    public Design {
        modules = List.copyOf(modules);
    }

    public static Design of(Module top, String source) {
        Map<String, Module> seen = new LinkedHashMap<>();
        collect(top, seen);
        return new Design(top, new ArrayList<>(seen.values()), source, Hashing.sha256(source));
    }

    private static void collect(Module m, Map<String, Module> seen) {
        for (Module.Instance instance : m.instances()) {
            collect(instance.module(), seen);
        }
        Module previous = seen.putIfAbsent(m.name(), m);
        if (previous != null && !previous.equals(m)) {
            throw new IllegalArgumentException("two different modules are both named '" + m.name()
                    + "': give each parameterisation its own name");
        }
    }
}
