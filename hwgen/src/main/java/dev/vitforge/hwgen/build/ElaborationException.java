package dev.vitforge.hwgen.build;

import java.util.List;

/** Thrown by {@code build()} with every problem found; each line names module, signal and problem. */
public final class ElaborationException extends RuntimeException {
    private final List<String> problems;

    public ElaborationException(String module, List<String> problems) {
        super("module '" + module + "' failed elaboration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
