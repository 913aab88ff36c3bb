package dev.vitforge.host.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.vitforge.host.gemm.GemmRun;
import dev.vitforge.host.gemm.SimGemmEngine;
import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.GemmLayer;
import dev.vitforge.hwgen.plan.GemmPlanner;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.sparse.BlockSparseGemm;
import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge gemm}: one block-sparse matrix product on a device. The engine is planned
 * for this one layer on the chosen board; {@code dense_cycles} is the same engine on the
 * all-ones mask. On the cpu device the cycle figures are the analytic model's.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Y = X (W * mask)^T for int8 X [M x K], int8 W [N x K]; writes int32 Y [M x N].")
final class GemmCommand implements Callable<Integer> {

    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "int8 [M x K]")
    Path x;

    @Option(names = "--w", required = true, paramLabel = "W.npy", description = "int8 [N x K] (nn.Linear layout)")
    Path w;

    @Option(names = "--block", required = true, paramLabel = "B", description = "block size of the mask")
    int block;

    @Option(names = "--mask", paramLabel = "MASK.npy",
            description = "[ceil(N/B) x ceil(K/B)], non-zero = kept (default: W's non-zero blocks)")
    Path mask;

    @Option(names = "--out", required = true, paramLabel = "Y.npy", description = "int32 [M x N]")
    Path out;

    @Option(names = "--device", defaultValue = "sim", paramLabel = "sim|cpu",
            description = "sim: the generated engine on Verilator; cpu: the reference (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--board", defaultValue = Board.DEFAULT, description = "board profile (default: ${DEFAULT-VALUE})")
    String board;

    @Option(names = "--stats", paramLabel = "STATS.json", description = "cycles, utilisation and the rest as JSON")
    Path stats;

    @Option(names = "--trace", paramLabel = "WAVE.fst", description = "FST waveform of the sparse run (sim only)")
    Path trace;

    @Override
    public Integer call() {
        if (block <= 0) {
            throw new IllegalArgumentException("--block must be positive, got " + block);
        }
        if (Integer.bitCount(block) != 1 || block < 2 || block > 64) {
            throw new IllegalArgumentException("--block " + block + ": the engine computes blocks of a power of two "
                    + "from 2 to 64");
        }
        if (!device.equals("sim") && !device.equals("cpu")) {
            throw new IllegalArgumentException("--device must be sim or cpu, got '" + device + "'");
        }
        if (trace != null && !device.equals("sim")) {
            throw new IllegalArgumentException("--trace needs --device sim");
        }
        Int8Tensor xt = Npy.readInt8(x, 2);
        Int8Tensor wt = Npy.readInt8(w, 2);
        int m = xt.shape()[0];
        int k = xt.shape()[1];
        int n = wt.shape()[0];
        if (wt.shape()[1] != k) {
            throw new IllegalArgumentException(w + ": W is [" + n + " x " + wt.shape()[1] + "] but X (" + x + ") has K = "
                    + k + "; W must be [N x " + k + "]");
        }
        if (m == 0 || k == 0 || n == 0) {
            throw new IllegalArgumentException(x + ", " + w + ": M, K and N must be at least 1");
        }
        BlockMask blocks = mask == null ? BlockMask.fromWeights(wt, block)
                : BlockMask.fromTensor(Npy.read(mask), block, n, k, mask.toString());
        Board target = Board.named(board);

        GemmConfig config;
        GemmRun sparse;
        long denseCycles;
        BlockMask full = BlockMask.full(block, n, k);
        if (device.equals("sim")) {
            config = GemmPlanner.plan(List.of(new GemmLayer("gemm", m, k, n, blocks)), target);
            SimGemmEngine engine = new SimGemmEngine(config, trace != null);
            sparse = engine.run(xt, wt, blocks, SimGemmEngine.Backpressure.NONE, trace);
            denseCycles = engine.run(xt, wt, full, SimGemmEngine.Backpressure.NONE, null).cycles();
        } else {
            Int32Tensor y = BlockSparseGemm.reference(xt, wt, blocks);
            config = GemmPlanner.plan(List.of(new GemmLayer("gemm", m, k, n, blocks)), target);
            long predicted = config == null ? 0 : predict(config, blocks, m, k);
            sparse = new GemmRun(y, predicted, predicted, 0, 0, 0, config.multipliers(), 0, 0);
            denseCycles = config == null ? 0 : predict(config, full, m, k);
        }

        Map<String, Object> s = new LinkedHashMap<>();
        long useful = blocks.usefulMacs(m, n, k);
        s.put("device", device);
        s.put("cycles_source", device.equals("sim") ? "measured (busy_cycles register)" : "cycle model");
        s.put("cycles", sparse.cycles());
        s.put("predicted_cycles", sparse.predictedCycles());
        s.put("macs_per_cycle", sparse.multipliers());
        s.put("nonzero_blocks", blocks.nonzeroBlocks());
        s.put("total_blocks", blocks.outputBlocks() * blocks.inputBlocks());
        s.put("useful_macs", useful);
        s.put("utilization", sparse.cycles() == 0 ? 0.0 : (double) useful / ((double) sparse.cycles() * sparse.multipliers()));
        s.put("dense_cycles", denseCycles);
        s.put("speedup_vs_dense", sparse.cycles() == 0 ? 0.0 : (double) denseCycles / sparse.cycles());
        s.put("compute_bound_cycles", sparse.multipliers() == 0 ? 0 : (useful + sparse.multipliers() - 1) / sparse.multipliers());
        s.put("stall_in_cycles", sparse.stallInCycles());
        s.put("stall_out_cycles", sparse.stallOutCycles());
        s.put("m", m);
        s.put("k", k);
        s.put("n", n);
        s.put("block", block);
        s.put("board", target.name());
        if (config != null) {
            s.put("lanes", config.lanes());
            s.put("row_tile", config.rowTile());
            s.put("clock_mhz", target.clockMhz());
            s.put("latency_us", sparse.cycles() / (double) target.clockMhz());
            s.put("plan", config.reasons());
        }
        // Outputs are written only now, after everything they depend on succeeded.
        Npy.write(out, sparse.y());
        if (stats != null) {
            try {
                AtomicFiles.writeJson(stats, s);
            } catch (RuntimeException e) {
                AtomicFiles.deleteQuietly(out); // all outputs or none
                throw e;
            }
        }
        System.out.printf("gemm %s: Y [%d x %d], %d of %d blocks kept, %d cycles (model %d, dense %d), "
                        + "utilisation %.3f%n", device, m, n, blocks.nonzeroBlocks(),
                blocks.outputBlocks() * blocks.inputBlocks(), sparse.cycles(), sparse.predictedCycles(), denseCycles,
                (double) s.get("utilization"));
        return 0;
    }

    private static long predict(GemmConfig config, BlockMask mask, int m, int k) {
        int[] beats = GemmCycleModel.beatsPerColumn(mask, k);
        return GemmCycleModel.cycles(config, GemmSchedule.balance(beats, config.lanes()), beats, m, k);
    }
}
