package dev.vitforge.sim.verilator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamTest {
    private static final int K = 1234;

    @Test
    void randomBeatsUnderRandomBackpressureMatchReference() {
        long seed = System.nanoTime();
        System.out.println("StreamTest seed = " + seed);
        Random rnd = new Random(seed);
        int n = 1000;
        long[] in = new long[n];
        boolean[] last = new boolean[n];
        for (int i = 0; i < n; i++) {
            in[i] = rnd.nextInt(1 << 16);
            last[i] = rnd.nextInt(7) == 0;
        }
        try (SimInstance sim = Designs.adderModel(K).newInstance()) {
            sim.reset(2);
            sim.backpressure(seed, 30 + rnd.nextInt(70), 20 + rnd.nextInt(80));
            sim.push("in", in, last);
            sim.expect("out", n);
            long cycles = sim.run(100_000);
            assertTrue(cycles >= n, "seed " + seed + ": ran " + cycles);
            Beats out = sim.pop("out");
            assertEquals(n, out.size(), "seed " + seed);
            long[] got = out.values();
            for (int i = 0; i < n; i++) {
                assertEquals((in[i] + K) & 0xFFFF, got[i], "seed " + seed + " beat " + i);
                assertEquals(last[i], out.last()[i], "seed " + seed + " tlast " + i);
            }
            assertEquals(0, sim.pop("out").size());
        }
    }

    @Test
    void fullThroughputWithoutBackpressure() {
        try (SimInstance sim = Designs.adderModel(K).newInstance()) {
            sim.reset(1);
            long[] in = new long[100];
            for (int i = 0; i < in.length; i++) in[i] = i;
            sim.push("in", in);
            sim.expect("out", in.length);
            long cycles = sim.run(1000);
            // One beat per cycle plus the register stage.
            assertEquals(in.length + 1, cycles);
            Beats out = sim.pop("out");
            assertEquals(in[99] + K, out.values()[99]);
            assertTrue(out.last()[99] && !out.last()[98]);
        }
    }

    @Test
    void budgetExhaustedWhenNobodyReads() {
        try (SimInstance sim = Designs.adderModel(K).newInstance()) {
            sim.reset(1);
            sim.push("in", new long[] {1, 2, 3, 4, 5});
            sim.expect("out", 6);
            assertEquals(SimInstance.BUDGET_EXHAUSTED, sim.run(50));
            assertArrayEquals(new long[] {1 + K, 2 + K, 3 + K, 4 + K, 5 + K}, sim.pop("out").values());
        }
    }
}
