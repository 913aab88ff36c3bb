package dev.vitforge.sim.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.gen.PipelinedMac;
import dev.vitforge.hwgen.gen.StreamFifo;
import dev.vitforge.hwgen.gen.StreamUpsizer;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The stream generators on Verilator against their reference models, with seeded random
 * valid gaps and ready backpressure, and their cycle counts against the analytic ones when
 * nothing stalls (one beat per cycle plus the pipeline latency).
 */
class StreamGeneratorsTest {

    private static SimInstance start(Design d) {
        SimInstance sim = VerilatorModel.build(DesignFiles.source(d)).newInstance();
        sim.reset(2);
        return sim;
    }

    @ParameterizedTest(name = "fifo width {0} depth {1}, valid {2}% ready {3}%")
    @CsvSource({"8, 8, 100, 100", "8, 8, 70, 40", "1, 2, 50, 90", "37, 4, 90, 30"})
    void fifoKeepsOrderUnderBackpressure(int width, int depth, int validPct, int readyPct) {
        long seed = Seeds.of("fifo", 1000 + width * 31L + depth);
        Design d = Design.of(StreamFifo.generate("fifo_w" + width + "_d" + depth, width, depth, true),
                "StreamFifo(" + width + ", " + depth + ")");
        Random random = new Random(seed);
        int n = 1000;
        long[] data = new long[n];
        boolean[] last = new boolean[n];
        for (int i = 0; i < n; i++) {
            data[i] = random.nextLong() & ((1L << width) - 1);
            last[i] = random.nextInt(7) == 0;
        }
        try (SimInstance sim = start(d)) {
            sim.backpressure(seed, validPct, readyPct);
            sim.push("in", data, last);
            sim.expect("out", n);
            long cycles = sim.run(20L * n);
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, Seeds.replay("sim", "StreamGeneratorsTest", seed));
            Beats out = sim.pop("out");
            Scoreboard board = new Scoreboard("fifo data", Seeds.replay("sim", "StreamGeneratorsTest", seed));
            board.check(data, out.values());
            List<Boolean> expectedLast = new ArrayList<>();
            List<Boolean> actualLast = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expectedLast.add(last[i]);
                actualLast.add(out.last()[i]);
            }
            board.check(expectedLast, actualLast);
            if (validPct == 100 && readyPct == 100) {
                // One beat per cycle; the first beat needs a write and a registered read first.
                assertEquals(n + StreamFifo.LATENCY, cycles);
            }
        }
    }

    @ParameterizedTest(name = "mac valid {0}% ready {1}%")
    @CsvSource({"100, 100", "60, 35", "95, 5"})
    void macSumsEveryFrame(int validPct, int readyPct) {
        long seed = Seeds.of("mac", 2024 + validPct);
        Design d = Design.of(PipelinedMac.generate("mac_s8_acc32", 8, 32), "PipelinedMac(8, 32)");
        Random random = new Random(seed);
        List<Long> expected = new ArrayList<>();
        List<Long> data = new ArrayList<>();
        List<Boolean> last = new ArrayList<>();
        for (int frame = 0; frame < 60; frame++) {
            int length = frame < 3 ? 1 + frame * 100 : 1 + random.nextInt(50); // includes 1-pair frames
            long[] a = new long[length];
            long[] b = new long[length];
            for (int i = 0; i < length; i++) {
                a[i] = frame == 1 ? -128 : random.nextInt(256) - 128; // frame 1: extreme values
                b[i] = frame == 1 ? -128 : random.nextInt(256) - 128;
                data.add((a[i] & 0xFF) | (b[i] & 0xFF) << 8);
                last.add(i == length - 1);
            }
            expected.add(PipelinedMac.reference(a, b, 32));
        }
        boolean[] lastArray = new boolean[last.size()];
        for (int i = 0; i < lastArray.length; i++) {
            lastArray[i] = last.get(i);
        }
        try (SimInstance sim = start(d)) {
            sim.backpressure(seed, validPct, readyPct);
            sim.push("in", data.stream().mapToLong(Long::longValue).toArray(), lastArray);
            sim.expect("out", expected.size());
            long cycles = sim.run(50L * data.size());
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, Seeds.replay("sim", "StreamGeneratorsTest", seed));
            new Scoreboard("mac sums", Seeds.replay("sim", "StreamGeneratorsTest", seed))
                    .check(expected, java.util.Arrays.stream(sim.pop("out").values()).boxed().toList());
            if (validPct == 100 && readyPct == 100) {
                assertEquals(data.size() + PipelinedMac.LATENCY, cycles);
            }
        }
    }

    @ParameterizedTest(name = "upsizer width {0} ratio {1}, valid {2}% ready {3}%")
    @CsvSource({"8, 4, 100, 100", "8, 3, 80, 50", "5, 2, 40, 90"})
    void upsizerPacksLittleEndian(int width, int ratio, int validPct, int readyPct) {
        long seed = Seeds.of("upsizer", 77 + ratio);
        Design d = Design.of(StreamUpsizer.generate("upsizer_w" + width + "_r" + ratio, width, ratio),
                "StreamUpsizer(" + width + ", " + ratio + ")");
        Random random = new Random(seed);
        int n = 997;
        long[] data = new long[n];
        boolean[] last = new boolean[n];
        for (int i = 0; i < n; i++) {
            data[i] = random.nextInt(1 << width);
            last[i] = random.nextInt(5) == 0 || i == n - 1;
        }
        List<long[]> wide = StreamUpsizer.reference(data, last, ratio);
        try (SimInstance sim = start(d)) {
            sim.backpressure(seed, validPct, readyPct);
            sim.push("in", data, last);
            sim.expect("out", wide.size());
            long cycles = sim.run(20L * n);
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, Seeds.replay("sim", "StreamGeneratorsTest", seed));
            Beats out = sim.pop("out");
            List<String> expected = new ArrayList<>();
            List<String> actual = new ArrayList<>();
            long[] values = out.values();
            for (int i = 0; i < wide.size(); i++) {
                long packed = 0;
                for (int lane = ratio - 1; lane >= 0; lane--) {
                    packed = packed << width | wide.get(i)[lane];
                }
                expected.add(Long.toHexString(packed) + (wide.get(i)[ratio] == 1 ? " last" : ""));
            }
            for (int i = 0; i < out.size(); i++) {
                actual.add(Long.toHexString(values[i]) + (out.last()[i] ? " last" : ""));
            }
            new Scoreboard("upsizer beats", Seeds.replay("sim", "StreamGeneratorsTest", seed)).check(expected, actual);
        }
    }
}
