package dev.vitforge.host.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

import dev.vitforge.host.gemm.GemmRun;
import dev.vitforge.host.gemm.SimGemmEngine;
import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gen.PipelinedMac;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.GemmLayer;
import dev.vitforge.hwgen.plan.GemmPlanner;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.sparse.BlockSparseGemm;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.tools.Lint;
import dev.vitforge.sim.tools.Synthesis;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.RtlSource;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The flow end to end on real designs until the model flow lands: generate the pipelined int8
 * MAC, lint it, build it with Verilator, stream seeded dot products of one token's length
 * through it under random backpressure, check every sum against the reference, and report
 * cycles against the analytic bound and a Yosys resource estimate; then run one block-sparse
 * DeiT-T layer on the GEMM engine planned for the default board.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate, lint, simulate and estimate the pipelined int8 MAC; print its figures.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", description = "Where the RTL and tool logs go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("out", "demo");

    @Option(names = "--seed", description = "Seed of the stimulus and the backpressure (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--frames", description = "Dot products to compute (default: ${DEFAULT-VALUE}).")
    int frames = 64;

    @Option(names = "--length", description = "Products per dot product (default: ${DEFAULT-VALUE}, DeiT's token count).")
    int length = 197;

    @Option(names = "--ready-percent", description = "Chance in percent that the sink is ready in a cycle (default: ${DEFAULT-VALUE}).")
    int readyPercent = 100;

    @Override
    public Integer call() {
        if (frames < 1 || length < 1 || readyPercent < 1 || readyPercent > 100) {
            throw new IllegalArgumentException("--frames and --length must be positive and --ready-percent in 1..100");
        }
        Design design = Design.of(PipelinedMac.generate("mac_s8_acc32", 8, 32), "PipelinedMac(8, 32)");
        DesignFiles.write(design, out.resolve("rtl"));
        String lint = Lint.verilator(design, out.resolve("lint"));
        System.out.printf("generate  %s -> %s (source sha256 %s)%n", design.top().name(), out.resolve("rtl"),
                design.sourceHash().substring(0, 12));
        System.out.printf("lint      verilator -Wall: %s%n", lint.isEmpty() ? "clean" : lint);

        RtlSource source = DesignFiles.source(design);
        VerilatorModel model = VerilatorModel.build(source);
        System.out.printf("build     %s in %.1f s%n", model.buildResult().cacheHit() ? "cache hit" : "compiled",
                model.buildResult().buildTime().toMillis() / 1000.0);

        Random random = new Random(seed);
        int beats = frames * length;
        long[] data = new long[beats];
        boolean[] last = new boolean[beats];
        List<Long> expected = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            long[] a = new long[length];
            long[] b = new long[length];
            for (int i = 0; i < length; i++) {
                a[i] = random.nextInt(256) - 128;
                b[i] = random.nextInt(256) - 128;
                data[f * length + i] = (a[i] & 0xFF) | (b[i] & 0xFF) << 8;
            }
            last[f * length + length - 1] = true;
            expected.add(PipelinedMac.reference(a, b, 32));
        }
        long cycles;
        Beats sums;
        try (SimInstance sim = model.newInstance()) {
            sim.reset(2);
            sim.backpressure(seed, 100, readyPercent);
            sim.push("in", data, last);
            sim.expect("out", frames);
            cycles = sim.run(10L * beats + 100);
            sums = sim.pop("out");
        }
        if (cycles == SimInstance.BUDGET_EXHAUSTED) {
            throw new IllegalStateException("simulation did not finish: replay with --seed " + seed);
        }
        long[] got = sums.values();
        int wrong = 0;
        for (int f = 0; f < frames; f++) {
            if (f >= got.length || got[f] != expected.get(f)) {
                wrong++;
            }
        }
        // One beat per cycle plus the two pipeline stages: the bound a perfect sink allows.
        long bound = beats + 2;
        System.out.printf("simulate  %d dot products of %d int8 pairs: %d cycles, bound %d, %.3f MACs/cycle, "
                + "%d/%d sums match the reference%n", frames, length, cycles, bound, (double) beats / cycles,
                frames - wrong, frames);
        Synthesis.Report synth = Synthesis.xilinx(design, out.resolve("synth"));
        System.out.printf("estimate  yosys synth_xilinx: %d LUT, %d FF, %d DSP48E1, %d CARRY4%n",
                synth.count("LUT"), synth.count("FD"), synth.count("DSP48"), synth.count("CARRY"));
        boolean gemmRight = gemm();
        return wrong == 0 && lint.isEmpty() && gemmRight ? 0 : 1;
    }

    /** DeiT-T's fc1 (197 tokens, 192 -> 768) at half its 16x16 blocks on the engine planned for the board. */
    private boolean gemm() {
        int m = 197, k = 192, n = 768, b = 16;
        Random random = new Random(seed);
        byte[] xd = new byte[m * k];
        byte[] wd = new byte[n * k];
        random.nextBytes(xd);
        random.nextBytes(wd);
        Int8Tensor x = new Int8Tensor(new int[] {m, k}, xd);
        Int8Tensor w = new Int8Tensor(new int[] {n, k}, wd);
        BlockMask mask = BlockMask.random(seed, 0.5, b, n, k);
        Board board = Board.named(Board.DEFAULT);
        GemmConfig config = GemmPlanner.plan(List.of(new GemmLayer("fc1", m, k, n, mask)), board);
        SimGemmEngine engine = new SimGemmEngine(config, false);
        GemmRun sparse = engine.run(x, w, mask, SimGemmEngine.Backpressure.NONE, null);
        long dense = engine.run(x, w, BlockMask.full(b, n, k), SimGemmEngine.Backpressure.NONE, null).cycles();
        boolean right = java.util.Arrays.equals(sparse.y().data(), BlockSparseGemm.reference(x, w, mask).data());
        double utilisation = (double) mask.usefulMacs(m, n, k) / ((double) sparse.cycles() * sparse.multipliers());
        System.out.printf("gemm      DeiT-T fc1 [197 x 192] x [768 x 192]^T, %d of %d 16x16 blocks, on %s: "
                        + "%d lanes x %dx%d MACs%n", mask.nonzeroBlocks(), mask.outputBlocks() * mask.inputBlocks(),
                board.name(), config.lanes(), config.rowTile(), b);
        System.out.printf("          %d cycles (model %d), dense %d (%.2fx), utilisation %.3f, %.1f us at %d MHz, "
                        + "result %s%n", sparse.cycles(), sparse.predictedCycles(), dense, (double) dense / sparse.cycles(),
                utilisation, sparse.cycles() / (double) board.clockMhz(), board.clockMhz(),
                right ? "bit-exact" : "WRONG");
        return right && sparse.cycles() == sparse.predictedCycles();
    }
}
