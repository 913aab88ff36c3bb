package dev.vitforge.host.selector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.FusedSelectorTiming;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.DecisionUnit;
import dev.vitforge.hwgen.selector.LayerNormUnit;
import dev.vitforge.hwgen.selector.MatVecUnit;
import dev.vitforge.hwgen.selector.PackUnit;
import dev.vitforge.hwgen.selector.SelectorBack;
import dev.vitforge.hwgen.selector.SelectorFront;
import dev.vitforge.hwgen.selector.SelectorGate;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;

/**
 * The fused selector against the encoder block that follows it, as in {@link SelectorBench} (DeiT-T/S/B,
 * 197 tokens, one selector before block 3, blocks at 50%, the ZCU102 plan, the following block as large
 * as the selector leaves it): its RTL timed beside the engine's model ({@link FusedChainRun}), what
 * {@link FusedSelectorTiming} predicts for it, and its area. The pack's keep flags are the reference
 * selector's decisions on these tokens. Figures go to host/target/bench/fused-selector.txt.
 */
@EnabledIfSystemProperty(named = "vitforge.bench", matches = "true")
class FusedSelectorBench {
    private final StringBuilder report = new StringBuilder();

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.print(line);
        report.append(line);
    }

    @Test
    void fusedSelectorAgainstTheFollowingBlock() throws IOException {
        Board board = Board.named("zcu102");
        say("Fused token selector at DeiT dimensions: 197 tokens, one random selector before block 3, blocks at 50%%, "
                + "B = 16, %s at %d MHz; the following block planned for the tokens the selector keeps; cycle 0 = the "
                + "preceding fc2's first cycle%n", board.name(), board.clockMhz());
        for (SelectorBench.Model model : List.of(new SelectorBench.Model("DeiT-T", 192, 3),
                new SelectorBench.Model("DeiT-S", 384, 6), new SelectorBench.Model("DeiT-B", 768, 12))) {
            run(board, model);
        }
        if (!Boolean.getBoolean("vitforge.bench.noArea")) {
            area(FusedSelector.Shapes.of(768, 12));
            area(FusedSelector.Shapes.of(768, 12, 2));
        }
        Path out = Path.of("target", "bench", "fused-selector.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    private void run(Board board, SelectorBench.Model model) {
        int dm = model.dim();
        int heads = model.heads();
        int d = dm / heads;
        FusedSelector.Shapes shapes = FusedSelector.Shapes.of(dm, heads);
        Architecture a = new Architecture("deit", dm, 12, heads, 4.0, 16, 224, 3, 1000);
        Function<String, BlockMask> masks = name -> SelectorBench.fiftyPercent(name, dm);
        // The reference selector's decisions on these tokens: which rows the pack keeps.
        Float32Tensor x = SelectorBench.tokens(197, dm, 7);
        IntegerSelector q = IntegerSelector.quantize(SelectorBench.randomSelector(d, heads, 11), heads, dm, List.of(x));
        IntegerSelector.Output o = q.apply(x);
        int n = 196;
        boolean[] keep = new boolean[n];
        int kept = 0;
        for (int t = 0; t < n; t++) {
            keep[t] = o.keep().get(t + 1) != 0;
            kept += keep[t] ? 1 : 0;
        }
        // The following block as large as this selector leaves it: the plan at the keep ratio it had.
        ModelPlan plan = SelectorBench.planKeeping(a, kept, masks, board);
        long block = SelectorBench.blockCycles(plan, 3);
        GemmConfig engine = plan.engine();
        int m = plan.tokensPerBlock()[2];
        BlockMask fc2 = masks.apply("blocks.2.mlp.fc2");
        BlockMask qkv = masks.apply("blocks.3.attn.qkv");
        FusedChainRun.Measured r = new FusedChainRun(shapes).measure(engine, fc2, 4 * dm, m, 1, false, keep, qkv);
        FusedSelectorTiming.Timing p = FusedSelectorTiming.predict(shapes, engine, fc2, 4 * dm, m, 1, false, keep, qkv);
        long fc2End = r.precedingEnd();

        say("%n%s (D = %d, H = %d, d = %d; engine %d lane(s) x %d x %d; following block %d cycles (plan)):%n",
                model.name(), dm, heads, d, engine.lanes(), engine.rowTile(), engine.blockSize(), block);
        say("  %s (%d multipliers), %s, mlp.0 global %s, %s (%d multipliers), decision, pack at %d lanes%n",
                shapes.front().moduleName(), shapes.front().multipliers(), SelectorGate.moduleName(heads),
                shapes.global(), shapes.back().moduleName(), shapes.back().multipliers(), shapes.packLanes());
        say("  fc2 of blocks.2 ends at %d; relative to that, the last output of: front %+d, head gate %+d, "
                + "mlp.0 global %+d, tail %+d, decision %+d, pack %+d%n", fc2End, r.frontEnd() - fc2End,
                r.gateEnd() - fc2End, r.globalEnd() - fc2End, r.tailEnd() - fc2End, r.decisionEnd() - fc2End,
                r.packEnd() - fc2End);
        say("  FusedSelectorTiming predicts: front %+d, mlp.0 global %+d, tail %+d, pack %+d%n",
                p.frontEnd() - fc2End, p.globalEnd() - fc2End, p.tailEnd() - fc2End, p.packEnd() - fc2End);
        say("  following qkv (%d rows = CLS, %d kept, package; %d row tiles): first tile's rows ready at %+d "
                + "(predicted %+d)%n", kept + 2, kept, r.qkvReady().length, r.qkvReady()[0], p.qkvReady()[0]);
        say("  selector cost = qkv's delay %d cycles = %.1f%% of the block (target < 5%%: %s); predicted %d (%+.1f%%)%n",
                r.exposed(), 100.0 * r.exposed() / block, r.exposed() < 0.05 * block ? "MET" : "MISSED", p.exposed(),
                100.0 * (p.exposed() - r.exposed()) / Math.max(1, r.exposed()));
    }

    /**
     * Yosys synth_xilinx cell counts of every fused stage at DeiT-B's sizes (12 heads, the largest gate).
     * A stage Yosys does not finish within its 10 minutes is counted by its kernels instead.
     */
    private void area(FusedSelector.Shapes s) {
        say("%nArea, yosys synth_xilinx, the fused selector for D = %d, H = %d at %d lanes (estimate: %s):%n", s.dim(),
                s.heads(), s.lanes(), dev.vitforge.hwgen.plan.ResourceEstimate.fusedSelector(s));
        SelectorFront.Shape f = s.front();
        List<List<dev.vitforge.hwgen.ir.Design>> stages = List.of(
                List.of(SelectorFront.design(f), LayerNormUnit.design(f.headDim(), f.lanes()),
                        MatVecUnit.design(f.inProj()), dev.vitforge.hwgen.selector.GeluUnit.design(f.headDim(),
                                f.lanes()), MatVecUnit.design(f.mlp0())),
                List.of(SelectorGate.design(s.heads())), List.of(MatVecUnit.design(s.global())),
                List.of(SelectorBack.design(s.back())), List.of(DecisionUnit.design(s.heads())),
                List.of(PackUnit.design(s.dim(), 256, s.packLanes())));
        int[] total = new int[4];
        for (List<dev.vitforge.hwgen.ir.Design> stage : stages) {
            if (!synthesize(stage.get(0), total, "")) {
                say("  %-40s did not finish in 10 minutes; its kernels (its own glue not counted):%n",
                        stage.get(0).top().name());
                for (dev.vitforge.hwgen.ir.Design part : stage.subList(1, stage.size())) {
                    if (!synthesize(part, total, "  ")) {
                        say("    %-38s did not finish in 10 minutes either (not counted)%n", part.top().name());
                    }
                }
            }
        }
        say("  %-40s DSP48 %5d  LUT %7d  FF %7d  BRAM %3d%n", "total", total[0], total[1], total[2], total[3]);
    }

    private boolean synthesize(dev.vitforge.hwgen.ir.Design d, int[] total, String indent) {
        long t0 = System.nanoTime();
        dev.vitforge.sim.tools.Synthesis.Report r;
        try {
            r = dev.vitforge.sim.tools.Synthesis.xilinx(d, Path.of("target", "bench", "synth", d.top().name()));
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains("did not finish")) {
                return false;
            }
            throw e;
        }
        int[] c = {r.count("DSP48"), r.count("LUT"), r.count("FD"), r.count("RAMB")};
        for (int i = 0; i < 4; i++) {
            total[i] += c[i];
        }
        say("  %s%-40s DSP48 %5d  LUT %7d  FF %7d  BRAM %3d  (%.0f s)%n", indent, d.top().name(), c[0], c[1], c[2],
                c[3], (System.nanoTime() - t0) / 1e9);
        return true;
    }

}
