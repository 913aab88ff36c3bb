package dev.vitforge.sim.verilator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolationAndCacheTest {
    @Test
    void twoDesignsWithIdenticalSymbolsComputeTheirOwnAnswers() {
        VerilatorModel a = Designs.adderModel(1);
        VerilatorModel b = Designs.adderModel(1000);
        assertNotEquals(a.buildResult().library(), b.buildResult().library());
        try (SimInstance sa = a.newInstance(); SimInstance sb = b.newInstance()) {
            sa.reset(1);
            sb.reset(1);
            long[] in = {0, 5, 65535};
            sa.push("in", in);
            sb.push("in", in);
            sa.expect("out", 3);
            sb.expect("out", 3);
            assertTrue(sa.run(100) > 0);
            assertTrue(sb.run(100) > 0);
            assertArrayEquals(new long[] {1, 6, 0}, sa.pop("out").values());
            assertArrayEquals(new long[] {1000, 1005, 999}, sb.pop("out").values());
        }
    }

    @Test
    void secondBuildIsACacheHit() {
        RtlSource src = Designs.adder(77);
        VerilatorBuild.Result first = VerilatorBuild.build(src, BuildOptions.DEFAULT);
        VerilatorBuild.Result second = VerilatorBuild.build(src, BuildOptions.DEFAULT);
        System.out.printf("adder build: first %s (hit=%b), second %s (hit=%b)%n",
                first.buildTime(), first.cacheHit(), second.buildTime(), second.cacheHit());
        assertTrue(second.cacheHit());
        assertEquals(first.key(), second.key());
        assertTrue(Files.isRegularFile(second.library()));
        assertTrue(Files.isRegularFile(second.dir().resolve("build.log")));
    }

    @Test
    void missingVerilatorGivesOneClearMessage() {
        Path saved = VerilatorBuild.verilatorOverride;
        VerilatorBuild.verilatorOverride = Path.of("/nonexistent/bin/verilator");
        try {
            VerilatorException e = assertThrows(VerilatorException.class,
                    () -> VerilatorModel.build(Designs.adder(3)));
            assertEquals("Verilator not found on PATH: run `make setup` (or `apt-get install verilator`)", e.getMessage());
        } finally {
            VerilatorBuild.verilatorOverride = saved;
        }
    }

    @Test
    void tracedModelWritesFst(@TempDir Path tmp) throws Exception {
        VerilatorModel m = VerilatorModel.build(Designs.adder(1234), BuildOptions.TRACED);
        assertTrue(m.traced());
        Path fst = tmp.resolve("adder.fst");
        try (SimInstance sim = m.newInstance(fst)) {
            sim.reset(1);
            sim.push("in", new long[] {1, 2});
            sim.expect("out", 2);
            sim.run(100);
            assertArrayEquals(new long[] {1235, 1236}, sim.pop("out").values());
        }
        assertTrue(Files.size(fst) > 0);
        assertThrows(IllegalStateException.class, () -> Designs.adderModel(1).newInstance(fst));
    }
}
