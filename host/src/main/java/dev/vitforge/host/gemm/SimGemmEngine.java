package dev.vitforge.host.gemm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmEngine;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.sim.tb.AxiLiteMaster;
import dev.vitforge.sim.tb.TimedRun;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.BuildOptions;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Int8Tensor;

/**
 * The generated GEMM engine on Verilator, driven as the host drives a board: check the ID and
 * configuration hash, write the arguments, start, stream, wait for the done interrupt, read the
 * counters. Not thread-safe (one simulation at a time).
 */
public final class SimGemmEngine {
    private final GemmConfig config;
    private final VerilatorModel model;

    /** Optional random valid gaps on the inputs and ready drops on the outputs, in percent. */
    public record Backpressure(long seed, int validPercent, int readyPercent) {
        public static final Backpressure NONE = new Backpressure(0, 100, 100);
    }

    public SimGemmEngine(GemmConfig config, boolean trace) {
        this.config = config;
        this.model = VerilatorModel.build(DesignFiles.source(GemmEngine.design(config)),
                trace ? BuildOptions.TRACED : BuildOptions.DEFAULT);
    }

    public GemmConfig config() {
        return config;
    }

    public GemmRun run(Int8Tensor x, Int8Tensor w, BlockMask mask, Backpressure backpressure, Path trace) {
        int m = x.shape()[0];
        int k = x.shape()[1];
        int n = w.shape()[0];
        GemmSchedule schedule = check(x, w, mask);
        int[] beats = GemmCycleModel.beatsPerColumn(mask, k);
        long predicted = GemmCycleModel.cycles(config, schedule, beats, m, k);
        try (SimInstance sim = trace == null ? model.newInstance() : model.newInstance(trace)) {
            AxiLiteMaster axi = configure(sim, m, k, schedule);
            var layout = GemmEngine.layout(config);

            int tiles = config.tiles(m);
            sim.backpressure(backpressure.seed(), backpressure.validPercent(), backpressure.readyPercent());
            int[][] xBeats = GemmStreams.packX(x, config);
            sim.push("x", xBeats, new boolean[xBeats.length]);
            long bytesIn = (long) xBeats.length * ((config.xBeatWidth() + 7) / 8);
            for (int l = 0; l < config.lanes(); l++) {
                GemmStreams.LaneWeights lw = GemmStreams.packW(w, mask, config, schedule.laneColumns()[l], tiles);
                sim.push("w" + l, lw.beats(), lw.last());
                bytesIn += (long) lw.beats().length * ((config.weightBeatWidth() + 7) / 8);
                sim.expect("y" + l, GemmStreams.yBeats(m, schedule.laneColumns()[l]));
            }
            axi.write(0x00, 1); // ap_start: the engine's cycle 0 is the first cycle of the run below
            long budget = 64 + predicted * 100 / Math.max(1, Math.min(backpressure.validPercent(),
                    backpressure.readyPercent())) * 4;
            long ran = sim.runUntil("irq", budget);
            if (ran == SimInstance.BUDGET_EXHAUSTED) {
                throw new IllegalStateException("the engine did not finish within " + budget + " cycles (model: "
                        + predicted + "); replay with a trace to see where it stopped");
            }
            List<int[][]> y = new ArrayList<>();
            for (int l = 0; l < config.lanes(); l++) {
                y.add(sim.pop("y" + l).words());
            }
            long cycles = Integer.toUnsignedLong(axi.read(layout.status().get("busy_cycles")));
            long stallIn = Integer.toUnsignedLong(axi.read(layout.status().get("stall_in_cycles")));
            long stallOut = Integer.toUnsignedLong(axi.read(layout.status().get("stall_out_cycles")));
            long blocks = Integer.toUnsignedLong(axi.read(layout.status().get("blocks_computed")));
            long bytesOut = y.stream().mapToLong(lane -> lane.length).sum() * 4L * config.blockSize();
            return new GemmRun(GemmStreams.unpackY(y, schedule, config, m, n), cycles, predicted, stallIn, stallOut,
                    blocks, config.multipliers(), bytesIn, bytesOut);
        }
    }

    /** Validates the operands against this build and balances the columns over the lanes. */
    private GemmSchedule check(Int8Tensor x, Int8Tensor w, BlockMask mask) {
        int m = x.shape()[0];
        int k = x.shape()[1];
        int n = w.shape()[0];
        if (m < 1 || k < 1 || n < 1 || w.shape()[1] != k) {
            throw new IllegalArgumentException("X must be [M x K] and W [N x K] with M, K, N >= 1; got X "
                    + m + " x " + k + " and W " + n + " x " + w.shape()[1]);
        }
        if (m > config.maxM() || k > config.maxK()) {
            throw new IllegalArgumentException("the engine was generated for m <= " + config.maxM() + " and k <= "
                    + config.maxK() + ", got m=" + m + " k=" + k);
        }
        if (mask.blockSize() != config.blockSize()) {
            throw new IllegalArgumentException("the mask has " + mask.blockSize() + "-blocks; the engine computes "
                    + config.blockSize() + "-blocks");
        }
        mask.requireFits(n, k);
        GemmSchedule schedule = GemmSchedule.balance(GemmCycleModel.beatsPerColumn(mask, k), config.lanes());
        for (int l = 0; l < config.lanes(); l++) {
            if (schedule.laneColumns()[l].length > config.maxColumns()) {
                throw new IllegalArgumentException("lane " + l + " needs " + schedule.laneColumns()[l].length
                        + " columns; the engine was generated for " + config.maxColumns());
            }
        }
        return schedule;
    }

    /** Reset, the ID and config-hash check, the arguments and the interrupt enables; ap_start is the caller's. */
    private AxiLiteMaster configure(SimInstance sim, int m, int k, GemmSchedule schedule) {
        sim.reset(2);
        AxiLiteMaster axi = new AxiLiteMaster(sim, "s_axi_control", 100);
        var layout = GemmEngine.layout(config);
        int id = axi.read(layout.status().get("id"));
        int hash = axi.read(layout.status().get("config_hash"));
        if (id != GemmEngine.ID || hash != GemmEngine.configHash(config)) {
            throw new IllegalStateException(String.format("engine ID/hash 0x%08x/0x%08x, expected 0x%08x/0x%08x",
                    id, hash, GemmEngine.ID, GemmEngine.configHash(config)));
        }
        axi.write(layout.arguments().get("m"), m);
        axi.write(layout.arguments().get("k"), k);
        for (int l = 0; l < config.lanes(); l++) {
            axi.write(layout.arguments().get("columns_" + l), schedule.laneColumns()[l].length);
        }
        axi.write(0x04, 1); // global interrupt enable
        axi.write(0x08, 1); // interrupt on ap_done
        return axi;
    }

    /**
     * One run with every stream at full rate that records, per row tile, the cycle in which the tile's
     * last Y beat leaves (over all lanes; cycle 0 = the engine's first cycle after ap_start): what
     * {@code GemmCycleModel.tileDrains} predicts.
     */
    public TileTiming tileDrains(Int8Tensor x, Int8Tensor w, BlockMask mask) {
        return tileDrains(x, w, mask, new long[config.tiles(x.shape()[0])]);
    }

    /** Per row tile, the cycle its last Y beat leaves; and the run's busy_cycles. */
    public record TileTiming(long[] drains, long busyCycles) {}

    /**
     * {@link #tileDrains(Int8Tensor, Int8Tensor, BlockMask)} with row tile t's X beats offered only from
     * cycle {@code xReady[t]} on (non-decreasing, one per tile): what {@code GemmCycleModel.tileDrains(...,
     * xReady)} and {@code GemmCycleModel.cycles(..., xReady)} predict.
     */
    public TileTiming tileDrains(Int8Tensor x, Int8Tensor w, BlockMask mask, long[] xReady) {
        int m = x.shape()[0];
        GemmSchedule schedule = check(x, w, mask);
        if (xReady.length != config.tiles(m)) {
            throw new IllegalArgumentException(xReady.length + " ready times for " + config.tiles(m) + " row tiles");
        }
        for (int t = 1; t < xReady.length; t++) {
            if (xReady[t] < xReady[t - 1]) {
                throw new IllegalArgumentException("X ready times must not decrease (tiles load in order): "
                        + java.util.Arrays.toString(xReady));
            }
        }
        try (SimInstance sim = model.newInstance()) {
            AxiLiteMaster axi = configure(sim, m, x.shape()[1], schedule);
            int tiles = config.tiles(m);
            List<TimedRun.Arrival> in = new ArrayList<>();
            int[][] xBeats = GemmStreams.packX(x, config);
            int perTile = config.xBeats(x.shape()[1]);
            for (int t = 0; t < tiles; t++) {
                in.add(new TimedRun.Arrival("x", xReady[t], java.util.Arrays.copyOfRange(xBeats, t * perTile,
                        (t + 1) * perTile), new boolean[perTile]));
            }
            Map<String, Integer> expected = new LinkedHashMap<>();
            for (int l = 0; l < config.lanes(); l++) {
                GemmStreams.LaneWeights lw = GemmStreams.packW(w, mask, config, schedule.laneColumns()[l], tiles);
                in.add(new TimedRun.Arrival("w" + l, 0, lw.beats(), lw.last()));
                expected.put("y" + l, GemmStreams.yBeats(m, schedule.laneColumns()[l]));
            }
            axi.write(0x00, 1); // ap_start
            long latest = java.util.Arrays.stream(xReady).max().orElse(0);
            Map<String, long[]> times = TimedRun.run(sim, in, expected, latest + 100L * GemmCycleModel.cycles(config,
                    schedule, GemmCycleModel.beatsPerColumn(mask, x.shape()[1]), m, x.shape()[1]) + 1000);
            long[] drains = new long[tiles];
            for (int l = 0; l < config.lanes(); l++) {
                long[] y = times.get("y" + l);
                int columns = schedule.laneColumns()[l].length;
                int beat = 0;
                for (int t = 0; t < tiles; t++) {
                    beat += Math.min(config.rowTile(), m - t * config.rowTile()) * columns;
                    if (columns > 0) {
                        drains[t] = Math.max(drains[t], y[beat - 1]);
                    }
                }
            }
            // The run ends a cycle or two after its last Y beat; busy_cycles is final once ap_done raises irq.
            if (sim.runUntil("irq", 1000) == SimInstance.BUDGET_EXHAUSTED) {
                throw new IllegalStateException("the engine did not raise ap_done after its last Y beat");
            }
            long busy = Integer.toUnsignedLong(axi.read(GemmEngine.layout(config).status().get("busy_cycles")));
            return new TileTiming(drains, busy);
        }
    }
}
