package dev.vitforge.sim.tb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.sim.verilator.SimInstance;

/**
 * A run in which input beats become available at given cycles, as they would from a producer
 * that is itself busy (the GEMM engine's Y rows leaving one row tile at a time), and the cycle of
 * every output handshake is recorded. The transaction engine advances one cycle at a time; a
 * beat is queued on the cycle it arrives and offered from then on, outputs are always ready.
 * Cycle numbers count from the first cycle of this run (0); beats an output had already captured
 * before the run are not timed (their entries stay 0).
 */
public final class TimedRun {
    /** A run of beats on one input stream that all arrive at {@code cycle}. */
    public record Arrival(String stream, long cycle, int[][] beats, boolean[] last) {}

    private TimedRun() {}

    /**
     * Queues each arrival at its cycle and runs until every output stream in {@code expected} has
     * its beats; returns each output's handshake cycles, in order. Throws if the budget runs out.
     */
    public static Map<String, long[]> run(SimInstance sim, List<Arrival> arrivals, Map<String, Integer> expected,
                                          long budget) {
        List<Arrival> pending = new ArrayList<>(arrivals);
        pending.sort((a, b) -> Long.compare(a.cycle(), b.cycle()));
        Map<String, long[]> times = new LinkedHashMap<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        int outstanding = 0;
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            sim.expect(e.getKey(), e.getValue());
            times.put(e.getKey(), new long[e.getValue()]);
            seen.put(e.getKey(), Math.toIntExact(sim.available(e.getKey())));
            outstanding += e.getValue() - seen.get(e.getKey());
        }
        int next = 0;
        for (long cycle = 0; outstanding > 0; cycle++) {
            if (cycle >= budget) {
                throw new IllegalStateException("timed run: " + outstanding + " output beats still missing after "
                        + budget + " cycles");
            }
            while (next < pending.size() && pending.get(next).cycle() <= cycle) {
                Arrival a = pending.get(next++);
                sim.push(a.stream(), a.beats(), a.last());
            }
            sim.run(1);
            for (Map.Entry<String, long[]> e : times.entrySet()) {
                int now = Math.toIntExact(sim.available(e.getKey()));
                int before = seen.get(e.getKey());
                for (int i = before; i < now && i < e.getValue().length; i++) {
                    e.getValue()[i] = cycle;
                }
                outstanding -= Math.min(now, e.getValue().length) - Math.min(before, e.getValue().length);
                seen.put(e.getKey(), now);
            }
        }
        return times;
    }
}
