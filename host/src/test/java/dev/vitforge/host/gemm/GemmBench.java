package dev.vitforge.host.gemm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.GemmLayer;
import dev.vitforge.hwgen.plan.GemmPlanner;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.sparse.BlockSparseGemm;
import dev.vitforge.models.tensor.Int8Tensor;

/**
 * The GEMM engine on DeiT layer shapes (197 tokens) on the simulated ZCU102 board: one engine
 * planned per model over its four linear-layer shapes, every layer at block densities 0.1 to 1,
 * measured cycles (busy_cycles) against the dense run on the same engine and the compute bound.
 * Targets for DeiT-B at 50%: utilisation >= 0.90 and dense/sparse >= 0.9/density.
 * Figures go to host/target/bench/gemm.txt. On only with -Dvitforge.bench=true.
 */
@EnabledIfSystemProperty(named = "vitforge.bench", matches = "true")
class GemmBench {
    private final StringBuilder report = new StringBuilder();

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.print(line);
        report.append(line);
    }

    private record Model(String name, int dim, int block) {}

    @Test
    void deitLayers() throws IOException {
        Board board = Board.named("zcu102");
        double[] densities = {0.1, 0.25, 0.5, 0.75, 1.0};
        say("GEMM engine on DeiT layer shapes, M = 197, board %s at %d MHz%n", board.name(), board.clockMhz());
        for (Model model : List.of(new Model("DeiT-T", 192, 16), new Model("DeiT-S", 384, 16), new Model("DeiT-B", 768, 16))) {
            int d = model.dim();
            int b = model.block();
            int[][] shapes = {{d, 3 * d}, {d, d}, {d, 4 * d}, {4 * d, d}}; // {K, N}: qkv, proj, fc1, fc2
            String[] names = {"qkv", "proj", "fc1", "fc2"};
            List<GemmLayer> layers = new ArrayList<>();
            for (int i = 0; i < shapes.length; i++) {
                layers.add(new GemmLayer(names[i], 197, shapes[i][0], shapes[i][1],
                        BlockMask.random(i, 0.5, b, shapes[i][1], shapes[i][0])));
            }
            GemmConfig config = GemmPlanner.plan(layers, board);
            long t0 = System.nanoTime();
            SimGemmEngine engine = new SimGemmEngine(config, false);
            say("%n%s: engine B=%d, row tile %d, %d lane(s), %d multipliers (built in %.1f s)%n  lanes: %s%n",
                    model.name(), b, config.rowTile(), config.lanes(), config.multipliers(),
                    (System.nanoTime() - t0) / 1e9, config.reasons().get("lanes"));
            say("  %-5s %5s %5s %7s | %10s %10s %10s | %6s %7s %9s | %s%n", "layer", "K", "N", "density", "cycles",
                    "model", "dense", "util", "speedup", "0.9/dens", "targets");
            Random rnd = new Random(7);
            for (int i = 0; i < shapes.length; i++) {
                int k = shapes[i][0];
                int n = shapes[i][1];
                Int8Tensor x = random(rnd, 197, k);
                Int8Tensor w = random(rnd, n, k);
                long dense = engine.run(x, w, BlockMask.full(b, n, k), SimGemmEngine.Backpressure.NONE, null).cycles();
                for (double density : densities) {
                    BlockMask mask = BlockMask.random(100 + i, density, b, n, k);
                    long s0 = System.nanoTime();
                    GemmRun run = engine.run(x, w, mask, SimGemmEngine.Backpressure.NONE, null);
                    double seconds = (System.nanoTime() - s0) / 1e9;
                    boolean exact = java.util.Arrays.equals(run.y().data(), BlockSparseGemm.reference(x, w, mask).data());
                    double util = (double) mask.usefulMacs(197, n, k) / ((double) run.cycles() * run.multipliers());
                    double speedup = (double) dense / run.cycles();
                    String target = model.name().equals("DeiT-B") && density == 0.5
                            ? (util >= 0.90 && speedup >= 0.9 / mask.density() ? "MET" : "MISSED") : "";
                    say("  %-5s %5d %5d %7.2f | %10d %10d %10d | %6.3f %7.2f %9.2f | %s%s (%.1f s sim)%n", names[i], k, n,
                            mask.density(), run.cycles(), run.predictedCycles(), dense, util, speedup,
                            0.9 / mask.density(), target, exact ? "" : " RESULT WRONG", seconds);
                }
            }
        }
        Path out = Path.of("target", "bench", "gemm.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }

    private static Int8Tensor random(Random rnd, int rows, int cols) {
        byte[] data = new byte[rows * cols];
        rnd.nextBytes(data);
        return new Int8Tensor(new int[] {rows, cols}, data);
    }
}
