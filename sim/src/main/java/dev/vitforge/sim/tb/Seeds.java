package dev.vitforge.sim.tb;

/**
 * Seeds for randomised tests: fixed by default so CI is repeatable, overridden with
 * {@code -Dvitforge.seed=N} to explore or to replay a failure, and always printed.
 */
public final class Seeds {
    private Seeds() {}

    public static long of(String test, long fallback) {
        String override = System.getProperty("vitforge.seed");
        long seed = override == null || override.isBlank() ? fallback : Long.parseLong(override.strip());
        System.out.println("[seed] " + test + " seed=" + seed);
        return seed;
    }

    /** The command that reruns one test class with this seed. */
    public static String replay(String module, String testClass, long seed) {
        return "replay: mvn -B test -pl " + module + " -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest="
                + testClass + " -Dvitforge.seed=" + seed + " (add -Dvitforge.trace=true for a waveform)";
    }
}
