package dev.vitforge.sim.tb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * Timed arrivals on a design whose timing is known by hand: a MatVecUnit with K = 8, N = 5, L = 4,
 * c = 2 (two beats a row, four chunks, two output beats). A row arriving at cycle a into an idle
 * unit is taken at a, its chunks issue at a+1..a+4 and its outputs leave at a+7 and a+8; a row
 * arriving while the previous one computes waits for the input register.
 */
class TimedRunTest {
    static final MatVecUnit.Shape SHAPE = new MatVecUnit.Shape(8, 5, 4, 2);

    @Test
    void outputsLeaveAtTheCyclesTheArrivalsAllow() {
        VerilatorModel model = VerilatorModel.build(DesignFiles.source(MatVecUnit.design(SHAPE)));
        try (SimInstance sim = model.newInstance()) {
            sim.reset(2);
            int[][] params = MatVecUnit.paramBeats(SHAPE, new byte[40], new int[5]);
            List<TimedRun.Arrival> arrivals = List.of(
                    new TimedRun.Arrival("param", 0, params, new boolean[params.length]),
                    new TimedRun.Arrival("in", 100, new int[2][1], new boolean[2]), // idle unit
                    new TimedRun.Arrival("in", 103, new int[2][1], new boolean[2]), // behind the first row
                    new TimedRun.Arrival("in", 200, new int[2][1], new boolean[2]));
            Map<String, long[]> t = TimedRun.run(sim, arrivals, Map.of("out", 6), 1000);
            assertArrayEquals(new long[] {107, 108, 111, 112, 207, 208}, t.get("out"));
        }
    }

    @Test
    void aRunThatCannotFinishReportsTheMissingBeats() {
        VerilatorModel model = VerilatorModel.build(DesignFiles.source(MatVecUnit.design(SHAPE)));
        try (SimInstance sim = model.newInstance()) {
            sim.reset(2);
            // No parameters: the unit never takes a row.
            List<TimedRun.Arrival> arrivals = List.of(new TimedRun.Arrival("in", 0, new int[2][1], new boolean[2]));
            assertThrows(IllegalStateException.class, () -> TimedRun.run(sim, arrivals, Map.of("out", 2), 500));
        }
    }
}
