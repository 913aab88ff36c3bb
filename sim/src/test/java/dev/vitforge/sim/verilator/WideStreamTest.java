package dev.vitforge.sim.verilator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WideStreamTest {
    /**
     * Purely combinational 100-bit passthrough that inverts the data: a handshake on
     * the input is a handshake on the output in the same cycle, which only works if
     * the engine samples after eval and before the clock edge.
     */
    private static RtlSource invert() {
        String v = """
                module invert(input clk,
                  input a_tvalid, output a_tready, input [99:0] a_tdata, input a_tlast,
                  output b_tvalid, input b_tready, output [99:0] b_tdata, output b_tlast);
                  assign b_tvalid = a_tvalid;
                  assign a_tready = b_tready;
                  assign b_tdata = ~a_tdata;
                  assign b_tlast = a_tlast;
                endmodule
                """;
        return RtlSource.single("invert", v, List.of(PortSpec.in("clk", 1),
                PortSpec.in("a_tvalid", 1), PortSpec.out("a_tready", 1), PortSpec.in("a_tdata", 100),
                PortSpec.in("a_tlast", 1), PortSpec.out("b_tvalid", 1), PortSpec.in("b_tready", 1),
                PortSpec.out("b_tdata", 100), PortSpec.out("b_tlast", 1)));
    }

    @Test
    void wideBeatsSurviveBackpressure() {
        long seed = System.nanoTime();
        System.out.println("WideStreamTest seed = " + seed);
        Random r = new Random(seed);
        int n = 300;
        int[][] beats = new int[n][4];
        boolean[] last = new boolean[n];
        for (int i = 0; i < n; i++) {
            for (int w = 0; w < 4; w++) beats[i][w] = r.nextInt();
            last[i] = r.nextBoolean();
        }
        VerilatorModel m = VerilatorModel.build(invert());
        assertEquals(2, m.streams().size());
        try (SimInstance sim = m.newInstance()) {
            sim.backpressure(seed, 60, 60);
            sim.push("a", beats, last);
            sim.expect("b", n);
            long cycles = sim.run(100 * n);
            assertTrue(cycles >= n, "seed " + seed);
            Beats out = sim.pop("b");
            assertEquals(n, out.size());
            for (int i = 0; i < n; i++) {
                int[] want = {~beats[i][0], ~beats[i][1], ~beats[i][2], ~beats[i][3] & 0xF};
                assertArrayEquals(want, out.words()[i], "seed " + seed + " beat " + i);
                assertEquals(last[i], out.last()[i], "seed " + seed + " tlast " + i);
            }
            // After run() the engine drops valid so a manual step cannot replay a beat.
            assertEquals(0, sim.peek("b_tvalid"));
        }
    }
}
