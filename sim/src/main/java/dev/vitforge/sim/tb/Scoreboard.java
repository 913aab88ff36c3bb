package dev.vitforge.sim.tb;

import java.util.List;
import java.util.Objects;

/**
 * Compares what the design produced with what the reference model predicts, beat by beat;
 * the first mismatch is reported with its index, both values, and how to replay the run.
 */
public final class Scoreboard {
    private final String what;
    private final String replay;

    public Scoreboard(String what, String replay) {
        this.what = what;
        this.replay = replay;
    }

    public <T> void check(List<T> expected, List<T> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!Objects.equals(expected.get(i), actual.get(i))) {
                throw new AssertionError(what + ": beat " + i + " expected " + expected.get(i) + " but the design gave "
                        + actual.get(i) + "\n" + replay);
            }
        }
        if (expected.size() != actual.size()) {
            throw new AssertionError(what + ": expected " + expected.size() + " beats, the design gave "
                    + actual.size() + "\n" + replay);
        }
    }

    public void check(long[] expected, long[] actual) {
        check(java.util.Arrays.stream(expected).boxed().toList(), java.util.Arrays.stream(actual).boxed().toList());
    }
}
