package dev.vitforge.sim.verilator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Prints build and simulation speed of the adder; on only with -Dvitforge.bench=true. */
@EnabledIfSystemProperty(named = "vitforge.bench", matches = "true")
class SpeedBench {
    private final StringBuilder report = new StringBuilder();

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.print(line);
        report.append(line);
    }

    @Test
    void adderSpeed() throws IOException {
        RtlSource src = Designs.adder(4321);
        VerilatorModel m = VerilatorModel.build(src);
        VerilatorBuild.Result again = VerilatorBuild.build(src, BuildOptions.DEFAULT);
        say("bench build: first %.3f s (hit=%b), second %.6f s (hit=%b)%n",
                m.buildResult().buildTime().toNanos() / 1e9, m.buildResult().cacheHit(),
                again.buildTime().toNanos() / 1e9, again.cacheHit());
        try (SimInstance sim = m.newInstance()) {
            sim.reset(1);
            sim.poke("out_tready", 1);
            sim.poke("in_tvalid", 1);
            int n = 2_000_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sim.poke("in_tdata", i);
                sim.step(1);
                sim.peek("out_tdata");
            }
            double s = (System.nanoTime() - t0) / 1e9;
            say("bench step(1)+poke+peek per cycle: %.0f cycles/s%n", n / s);
            t0 = System.nanoTime();
            sim.step(10_000_000);
            s = (System.nanoTime() - t0) / 1e9;
            say("bench step(10M) in one call: %.0f cycles/s%n", 10_000_000 / s);
        }
        try (SimInstance sim = m.newInstance()) {
            sim.reset(1);
            int n = 2_000_000;
            long[] beats = new long[n];
            Random r = new Random(1);
            for (int i = 0; i < n; i++) beats[i] = r.nextInt(1 << 16);
            for (int pct : new int[] {100, 100, 70}) {
                sim.backpressure(42, pct, pct);
                long t0 = System.nanoTime();
                sim.push("in", beats);
                sim.expect("out", n);
                long t1 = System.nanoTime();
                long cycles = sim.run(10L * n);
                long t2 = System.nanoTime();
                Beats out = sim.pop("out");
                long t3 = System.nanoTime();
                say("bench run() valid/ready %d%%: %d beats, %d cycles, run %.0f cycles/s;"
                        + " push %.3f s, pop %.3f s%n", pct, out.size(), cycles, cycles / ((t2 - t1) / 1e9),
                        (t1 - t0) / 1e9, (t3 - t2) / 1e9);
            }
        }
        Path out = Path.of("target", "bench", "verilator-speed.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }
}
