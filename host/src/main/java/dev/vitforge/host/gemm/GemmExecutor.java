package dev.vitforge.host.gemm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.models.quant.LinearExecutor;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;

/**
 * Every product of a forward pass on one planned GEMM engine: on Verilator ({@code sim}) or on the
 * reference with the engine's cycle model ({@code cpu}; the model equals the RTL's cycles when the
 * streams keep up, which the engine's tests hold it to). The int8 weights' own zero blocks are the
 * mask: exact, since a pruned block is all zeros. Records each product and the totals.
 */
public final class GemmExecutor implements LinearExecutor {
    private final GemmConfig engine;
    private final SimGemmEngine sim;
    private final List<Map<String, Object>> products;
    private long cycles;
    private int count;
    private long bytesTo;
    private long bytesFrom;

    public GemmExecutor(GemmConfig engine, boolean simulate) {
        this(engine, simulate, new ArrayList<>());
    }

    /** Appends one entry per product to {@code operations} (a log other devices may share). */
    public GemmExecutor(GemmConfig engine, boolean simulate, List<Map<String, Object>> operations) {
        this.engine = engine;
        this.sim = simulate ? new SimGemmEngine(engine, false) : null;
        this.products = operations;
    }

    @Override
    public Int32Tensor run(String layer, Int8Tensor x, Int8Tensor w) {
        BlockMask mask = BlockMask.fromWeights(w, engine.blockSize());
        GemmRun run;
        if (sim != null) {
            run = sim.run(x, w, mask, SimGemmEngine.Backpressure.NONE, null);
        } else {
            int[] beats = GemmCycleModel.beatsPerColumn(mask, x.cols());
            long predicted = GemmCycleModel.cycles(engine, GemmSchedule.balance(beats, engine.lanes()), beats,
                    x.rows(), x.cols());
            run = new GemmRun(LinearExecutor.JAVA.run(layer, x, w), predicted, predicted, 0, 0, 0,
                    engine.multipliers(), 0, 0);
        }
        long useful = mask.usefulMacs(x.rows(), w.rows(), x.cols());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", layer);
        r.put("where", sim != null ? "gemm engine (Verilator)" : "cpu reference (cycles: the engine's model)");
        r.put("m", x.rows());
        r.put("k", x.cols());
        r.put("n", w.rows());
        r.put("cycles", run.cycles());
        r.put("useful_macs", useful);
        r.put("utilization", (double) useful / ((double) Math.max(1, run.cycles()) * engine.multipliers()));
        products.add(r);
        cycles += run.cycles();
        count++;
        bytesTo += run.bytesToDevice();
        bytesFrom += run.bytesFromDevice();
        return run.y();
    }

    public GemmConfig engine() {
        return engine;
    }

    /** The operations log: one entry per product run so far, in order (and whatever else shares the log). */
    public List<Map<String, Object>> products() {
        return products;
    }

    /** Products run so far. */
    public int productCount() {
        return count;
    }

    public long cycles() {
        return cycles;
    }

    public long bytesToDevice() {
        return bytesTo;
    }

    public long bytesFromDevice() {
        return bytesFrom;
    }
}
