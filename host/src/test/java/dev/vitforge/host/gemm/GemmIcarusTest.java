package dev.vitforge.host.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmEngine;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.sparse.BlockSparseGemm;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.CrossSimulation;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.PortSpec;
import dev.vitforge.sim.verilator.RtlSource;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * A small GEMM, register writes and streams included, driven cycle by cycle on Verilator and
 * replayed on Icarus: every output of every cycle must agree, and the Y beats must be right.
 */
class GemmIcarusTest {

    @Test
    void icarusAgreesOnASmallRun() {
        long seed = Seeds.of("gemm icarus", 4242);
        Random rnd = new Random(seed);
        GemmConfig c = GemmConfig.of(8, 4, 2, 24, 9, 3, 2);
        int m = 7, k = 20, n = 21;
        byte[] xd = new byte[m * k];
        byte[] wd = new byte[n * k];
        rnd.nextBytes(xd);
        rnd.nextBytes(wd);
        Int8Tensor x = new Int8Tensor(new int[] {m, k}, xd);
        Int8Tensor w = new Int8Tensor(new int[] {n, k}, wd);
        BlockMask mask = BlockMask.random(seed, 0.5, 8, n, k);
        int[] beats = GemmCycleModel.beatsPerColumn(mask, k);
        GemmSchedule schedule = GemmSchedule.balance(beats, c.lanes());

        Design design = GemmEngine.design(c);
        RtlSource source = DesignFiles.source(design);
        var layout = GemmEngine.layout(c);
        Deque<int[]> writes = new ArrayDeque<>();
        writes.add(new int[] {layout.arguments().get("m"), m});
        writes.add(new int[] {layout.arguments().get("k"), k});
        for (int l = 0; l < c.lanes(); l++) {
            writes.add(new int[] {layout.arguments().get("columns_" + l), schedule.laneColumns()[l].length});
        }
        writes.add(new int[] {0x04, 1});
        writes.add(new int[] {0x08, 1});
        writes.add(new int[] {0x00, 1});
        Map<String, Deque<int[]>> in = new LinkedHashMap<>();
        Map<String, Deque<Boolean>> inLast = new LinkedHashMap<>();
        int[][] xb = GemmStreams.packX(x, c);
        in.put("x", new ArrayDeque<>(List.of(xb)));
        inLast.put("x", null);
        List<List<int[]>> y = new ArrayList<>();
        for (int l = 0; l < c.lanes(); l++) {
            GemmStreams.LaneWeights lw = GemmStreams.packW(w, mask, c, schedule.laneColumns()[l], c.tiles(m));
            in.put("w" + l, new ArrayDeque<>(List.of(lw.beats())));
            Deque<Boolean> last = new ArrayDeque<>();
            for (boolean b : lw.last()) {
                last.add(b);
            }
            inLast.put("w" + l, last);
            y.add(new ArrayList<>());
        }

        CrossSimulation.Recording rec;
        try (SimInstance sim = VerilatorModel.build(source).newInstance()) {
            for (PortSpec p : source.ports()) {
                if (p.input() && !p.name().equals("clk")) {
                    sim.pokeWide(p.name(), new int[p.words()]);
                }
            }
            int[] settle = {0};
            rec = CrossSimulation.record(sim, source, 20_000, (cycle, s) -> {
                s.poke("rst_n", cycle < 2 ? 0 : 1);
                if (cycle < 2) {
                    return true;
                }
                String a = "s_axi_control_";
                int[] write = writes.peek();
                s.poke(a + "awvalid", write == null ? 0 : 1);
                s.poke(a + "wvalid", write == null ? 0 : 1);
                s.poke(a + "awaddr", write == null ? 0 : write[0]);
                s.poke(a + "wdata", write == null ? 0 : Integer.toUnsignedLong(write[1]));
                s.poke(a + "wstrb", 0xF);
                s.poke(a + "bready", 1);
                boolean streaming = write == null;
                for (Map.Entry<String, Deque<int[]>> e : in.entrySet()) {
                    int[] head = streaming ? e.getValue().peek() : null;
                    s.poke(e.getKey() + "_tvalid", head == null ? 0 : 1);
                    s.pokeWide(e.getKey() + "_tdata", head == null ? new int[source.ports().stream()
                            .filter(p -> p.name().equals(e.getKey() + "_tdata")).findFirst().orElseThrow().words()] : head);
                    if (inLast.get(e.getKey()) != null) {
                        Boolean last = inLast.get(e.getKey()).peek();
                        s.poke(e.getKey() + "_tlast", last != null && last ? 1 : 0);
                    }
                }
                for (int l = 0; l < c.lanes(); l++) {
                    s.poke("y" + l + "_tready", 1);
                }
                s.eval();
                if (write != null && s.peek(a + "awready") == 1) {
                    writes.poll();
                }
                for (Map.Entry<String, Deque<int[]>> e : in.entrySet()) {
                    if (streaming && !e.getValue().isEmpty() && s.peek(e.getKey() + "_tready") == 1) {
                        e.getValue().poll();
                        if (inLast.get(e.getKey()) != null) {
                            inLast.get(e.getKey()).poll();
                        }
                    }
                }
                for (int l = 0; l < c.lanes(); l++) {
                    if (s.peek("y" + l + "_tvalid") == 1) {
                        y.get(l).add(s.peekWide("y" + l + "_tdata"));
                    }
                }
                if (s.peek("irq") == 1) {
                    settle[0]++;
                }
                return settle[0] < 3;
            });
        }
        assertTrue(rec.verilator().size() < 20_000, "the engine never raised irq");
        List<int[][]> lanes = new ArrayList<>();
        y.forEach(l -> lanes.add(l.toArray(new int[0][])));
        assertArrayEquals(BlockSparseGemm.reference(x, w, mask).data(),
                GemmStreams.unpackY(lanes, schedule, c, m, n).data());
        List<String> icarus = CrossSimulation.icarus(design, source, rec.stimulus(),
                Path.of("target", "work", "gemm_icarus"));
        assertNull(CrossSimulation.compare(source, rec.verilator(), icarus), Seeds.replay("host", "GemmIcarusTest", seed));
    }
}
