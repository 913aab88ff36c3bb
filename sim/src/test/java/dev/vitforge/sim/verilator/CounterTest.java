package dev.vitforge.sim.verilator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CounterTest {
    @Test
    void countsOnlyWhenEnabledAndWraps() {
        try (SimInstance sim = Designs.counterModel().newInstance()) {
            sim.reset(2);
            assertEquals(0, sim.peek("count"));
            sim.poke("en", 1);
            for (int i = 1; i <= 300; i++) {
                sim.step(1);
                assertEquals(i & 0xFF, sim.peek("count"), "cycle " + i);
            }
            sim.poke("en", 0);
            sim.step(5);
            assertEquals(300 & 0xFF, sim.peek("count"));
            // en is 1 bit wide, so 2 must be masked to 0.
            sim.poke("en", 2);
            sim.step(3);
            assertEquals(300 & 0xFF, sim.peek("count"));
            assertEquals(2 + 300 + 5 + 3, sim.cycle());
        }
    }

    @Test
    void runUntilStopsOnDonePort() {
        try (SimInstance sim = Designs.counterModel().newInstance()) {
            sim.reset(1);
            sim.poke("en", 1);
            assertEquals(255, sim.runUntil("at_max", 1000));
            assertEquals(255, sim.peek("count"));
            assertEquals(0, sim.runUntil("at_max", 1000), "already done");
            sim.reset(1);
            sim.poke("en", 0);
            assertEquals(SimInstance.BUDGET_EXHAUSTED, sim.runUntil("at_max", 50));
        }
    }

    @Test
    void widePortPassesThroughAndIsMasked() {
        try (SimInstance sim = Designs.counterModel().newInstance()) {
            int[] v = {0xDEADBEEF, 0x01234567, 0x89ABCDEF, 0xFFFFFFFF};
            sim.pokeWide("wide_in", v);
            sim.step(1);
            // 100 bits: the top word keeps only its low 4 bits.
            assertArrayEquals(new int[] {0xDEADBEEF, 0x01234567, 0x89ABCDEF, 0xF}, sim.peekWide("wide_out"));
            assertArrayEquals(new int[] {0xDEADBEEF, 0x01234567, 0x89ABCDEF, 0xF}, sim.peekWide("wide_in"));
            sim.pokeWide("wide_in", new int[] {1, 2, 3, 4});
            sim.eval();
            assertArrayEquals(new int[] {0xDEADBEEF, 0x01234567, 0x89ABCDEF, 0xF}, sim.peekWide("wide_out"),
                    "eval must not clock the register");
            sim.pokeWide("wide_in", new int[] {7});
            sim.step(1);
            assertArrayEquals(new int[] {7, 0, 0, 0}, sim.peekWide("wide_out"));
            assertThrows(IllegalArgumentException.class, () -> sim.peek("wide_out"));
        }
    }

    @Test
    void unknownPortNamesPortAndModel() {
        try (SimInstance sim = Designs.counterModel().newInstance()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sim.peek("enable"));
            assertTrue(e.getMessage().contains("'enable'") && e.getMessage().contains("counter"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sim.poke("count", 1));
        }
    }
}
