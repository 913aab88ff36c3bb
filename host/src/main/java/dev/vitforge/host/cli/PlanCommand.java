package dev.vitforge.host.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.KeepSchedule;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.hwgen.plan.ResourceEstimate;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.weights.PrunedModel;
import dev.vitforge.models.weights.PrunedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge plan}: the hardware plan of a model card on a board, as a readable table
 * (every size beside what chose it, then every matrix product with its predicted cycles) and,
 * with {@code --json}, as JSON with {@code predicted_gemm_cycles} for one image.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Size the hardware for a model card on a board and predict its cycles; "
                + "with --latency-ms, choose the selectors' keep ratios.")
final class PlanCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "CARD.json")
    Path model;

    @Option(names = "--board", defaultValue = Board.DEFAULT, description = "board profile (default: ${DEFAULT-VALUE})")
    String board;

    @Option(names = "--json", paramLabel = "PLAN.json", description = "write the plan as JSON")
    Path json;

    @Option(names = "--latency-ms", paramLabel = "MS",
            description = "choose the selectors' keep ratios to meet this predicted latency (SPViT's computation-aware schedule)")
    Double latencyMs;

    @Override
    public Integer call() {
        Board target = Board.named(board);
        PrunedModel m = PrunedModels.load(model);
        KeepSchedule.Result schedule = latencyMs == null ? null
                : KeepSchedule.search(m.architecture(), m.selectors(), m.masks()::get, m.blockSize(), target, latencyMs);
        List<Selector> selectors = schedule == null ? m.selectors() : schedule.chosen().selectors();
        // With a keep schedule, the plan the search costed it on (its engine and selector held fixed).
        ModelPlan plan = schedule != null ? schedule.chosen().plan()
                : ModelPlan.plan(m.architecture(), selectors, m.masks()::get, m.blockSize(), target);
        GemmConfig e = plan.engine();

        System.out.printf("%s on %s (%s, %d MHz)%n%n", m.name(), target.name(), target.part(), target.clockMhz());
        System.out.printf("GEMM engine: %d lane(s) x %d x %d int8 multipliers = %d MACs/cycle%n", e.lanes(), e.rowTile(),
                e.blockSize(), e.multipliers());
        System.out.printf("  %-12s %-8s %s%n", "size", "value", "why");
        row("block size", e.blockSize(), e.reasons().get("block size"));
        row("row tile", e.rowTile(), e.reasons().get("row tile"));
        row("lanes", e.lanes(), e.reasons().get("lanes"));
        row("max k", e.maxK(), e.reasons().get("max k"));
        row("max m", e.maxM(), e.reasons().get("max m"));
        row("max columns", e.maxColumns(), e.reasons().get("max columns"));
        row("k index", e.kWidth() + " bit", "indexes max k");
        row("X buffer", 2 * e.bufferHalfDepth() + " x " + e.xBeatWidth() + " bit",
                "two row tiles of max k, double-buffered so the next tile loads while this one computes");
        row("counters", e.tileWidth() + "/" + e.columnWidth() + " bit", "tiles of max m / block-columns of max columns");
        ResourceEstimate estimate = ResourceEstimate.of(e);
        System.out.printf("%nresources (estimate): %d DSP of %d, %d BRAM36 of %d, %d FF of %d, %d LUT of %d%s%n",
                estimate.dsp(), target.dsp(), estimate.bram36(), target.bram36(), estimate.ff(), target.ff(),
                estimate.lut(), target.lut(),
                estimate.fits(target) ? "" : "  DOES NOT FIT");
        var arch = m.architecture();
        String selectorName = plan.fusedSelector() ? "fused selector" : "selector unit";
        if (!selectors.isEmpty()) {
            ResourceEstimate unit = plan.selectorResources(arch);
            ResourceEstimate both = estimate.plus(unit);
            System.out.printf("  + " + selectorName + " (Yosys-fitted): %d DSP, %d BRAM36, %d FF, %d LUT -> %d DSP, %d BRAM36, "
                            + "%d FF, %d LUT%s%n", unit.dsp(), unit.bram36(), unit.ff(), unit.lut(), both.dsp(),
                    both.bram36(), both.ff(), both.lut(), both.fits(target) ? "" : "  DOES NOT FIT");
        }
        if (!selectors.isEmpty() && plan.fusedSelector()) {
            System.out.printf("%nfused selector: %d stage(s) before blocks %s; D = %d, H = %d heads of d = %d; scores up to "
                            + "%d patch tokens; every layer on its own arrays, beside the GEMM engine; %d lanes (%s)%n",
                    selectors.size(), selectors.stream().map(Selector::beforeBlock).toList(), arch.embedDim(),
                    arch.numHeads(), arch.headDim(), arch.patches(), plan.selectorLanes(), plan.selectorReason());
        } else if (!selectors.isEmpty()) {
            System.out.printf("%nselector unit: %d stage(s) before blocks %s; D = %d, H = %d heads of d = %d; scores up to "
                            + "%d patch tokens (the card's worst case: all kept); its linear layers (selectors.*) run on the "
                            + "GEMM engine; its LayerNorm, GELU, means, sigmoid, sign test, p divider, compaction and "
                            + "package token in the unit's kernels, %d elements per beat (%s)%n",
                    selectors.size(), selectors.stream().map(Selector::beforeBlock).toList(), arch.embedDim(),
                    arch.numHeads(), arch.headDim(), arch.patches(), plan.selectorLanes(), plan.selectorReason());
        }
        System.out.printf("%ntokens per block: %s%n", java.util.Arrays.toString(plan.tokensPerBlock()));
        System.out.printf("%n  %-22s %5s %5s %5s %4s %7s %12s %12s %10s%n", "product", "m", "k", "n", "x", "density",
                "cycles", "weights B", "util");
        for (ModelPlan.LayerPlan l : plan.layers()) {
            double util = l.cycles() == 0 ? 0 : (double) l.usefulMacs() / ((double) l.cycles() * e.multipliers());
            System.out.printf("  %-22s %5d %5d %5d %4d %7.2f %12d %12d %10.3f%n", l.name(), l.m(), l.k(), l.n(),
                    l.count(), l.density(), l.cycles() * l.count(), l.weightBytes() * l.count(), util);
        }
        double bound = (double) plan.usefulMacs() / e.multipliers();
        System.out.printf("%npredicted GEMM cycles per image: %d (compute bound %.0f, %.1f%%)%n",
                plan.predictedGemmCycles(), bound, 100 * bound / plan.predictedGemmCycles());
        for (ModelPlan.SelectorStage st : plan.selectorStages()) {
            System.out.printf("%s, %s before block %d on %d patch tokens: adds %d cycles; %d cycles of work %s%n",
                    selectorName, st.name(), st.beforeBlock(), st.patches(), st.cost(), st.total(), st.cycles());
        }
        System.out.printf("predicted cycles per image: %d (GEMM engine %d + %s %d), %.3f ms at %d MHz%n",
                plan.predictedCycles(), plan.predictedGemmCycles(), selectorName, plan.predictedSelectorCycles(),
                plan.latencyMs(), target.clockMhz());

        if (schedule != null) {
            System.out.printf("%nkeep schedule for %.3f ms: r = %.2f, keep ratios %s, predicted %.3f ms%n",
                    schedule.targetMs(), schedule.chosen().base(), ratios(schedule.chosen()), schedule.chosen().latencyMs());
            System.out.printf("  %-5s %-24s %12s %10s%n", "r", "keep ratios", "cycles", "ms");
            for (KeepSchedule.Candidate c : schedule.candidates()) {
                if (Math.round(c.base() * 100) % 5 == 0 || c == schedule.chosen()) {
                    System.out.printf("  %-5.2f %-24s %12d %10.3f%s%n", c.base(), ratios(c), c.cycles(), c.latencyMs(),
                            c == schedule.chosen() ? "  <- chosen" : "");
                }
            }
        }

        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", m.name());
            out.put("board", target.name());
            out.put("part", target.part());
            out.put("clock_mhz", target.clockMhz());
            out.put("predicted_gemm_cycles", plan.predictedGemmCycles());
            out.put("predicted_selector_cycles", plan.predictedSelectorCycles());
            out.put("predicted_cycles", plan.predictedCycles());
            out.put("selector_stages", selectorStagesJson(plan));
            out.put("predicted_latency_ms", plan.latencyMs());
            out.put("useful_macs", plan.usefulMacs());
            out.put("compute_bound_cycles", (long) Math.ceil(bound));
            Map<String, Object> sizes = new LinkedHashMap<>();
            sizes.put("block_size", size(e.blockSize(), e.reasons().get("block size")));
            sizes.put("row_tile", size(e.rowTile(), e.reasons().get("row tile")));
            sizes.put("lanes", size(e.lanes(), e.reasons().get("lanes")));
            sizes.put("multipliers", size(e.multipliers(), "lanes x row tile x block size"));
            sizes.put("max_k", size(e.maxK(), e.reasons().get("max k")));
            sizes.put("max_m", size(e.maxM(), e.reasons().get("max m")));
            sizes.put("max_columns", size(e.maxColumns(), e.reasons().get("max columns")));
            sizes.put("k_index_bits", size(e.kWidth(), "indexes max k"));
            sizes.put("x_buffer_words", size(2 * e.bufferHalfDepth(), "two row tiles of max k"));
            sizes.put("tile_counter_bits", size(e.tileWidth(), "tiles of max m"));
            sizes.put("column_counter_bits", size(e.columnWidth(), "block-columns of max columns"));
            out.put("engine", sizes);
            ResourceEstimate res = ResourceEstimate.of(e);
            Map<String, Object> resources = resourcesJson(res);
            resources.put("fits", res.fits(target));
            resources.put("how", "analytic estimate: one DSP per multiplier, X buffer BRAM per lane, Yosys-calibrated LUTs");
            if (!selectors.isEmpty()) {
                ResourceEstimate unit = plan.selectorResources(arch);
                Map<String, Object> u = resourcesJson(unit);
                u.put("how", plan.fusedSelector() ? "a DSP per multiplier and per stage lanes, fitted to Yosys "
                        + "synth_xilinx of the DeiT-B build" : "linear in the lanes, fitted to Yosys synth_xilinx of the kernels");
                resources.put(plan.fusedSelector() ? "fused_selector" : "selector_unit", u);
                resources.put("fits_with_selector", res.plus(unit).fits(target));
            }
            out.put("resources", resources);
            out.put("tokens_per_block", plan.tokensPerBlock());
            if (!selectors.isEmpty()) {
                Map<String, Object> unit = new LinkedHashMap<>();
                unit.put("stages", size(selectors.size(), "the card's token_pruning.selectors"));
                unit.put("embed_dim", size(arch.embedDim(), "architecture.embed_dim"));
                unit.put("heads", size(arch.numHeads(), "architecture.num_heads"));
                unit.put("head_dim", size(arch.headDim(), "embed_dim / num_heads"));
                unit.put("max_patch_tokens", size(arch.patches(), "every patch token kept: the worst case"));
                unit.put("keep_ratios", selectors.stream().map(Selector::keepRatio).toList());
                unit.put("kind", size(plan.fusedSelector() ? "fused" : "unit", plan.selectorReason()));
                unit.put("lanes", size(plan.selectorLanes(), plan.selectorReason()));
                unit.put("linear_layers", plan.fusedSelector() ? "on the fused selector's own arrays, beside the GEMM "
                        + "engine" : "on the GEMM engine (selectors.* products above)");
                out.put("selector", unit);
            }
            out.put("layers", layersJson(plan));
            if (schedule != null) {
                Map<String, Object> keep = new LinkedHashMap<>();
                keep.put("target_ms", schedule.targetMs());
                keep.put("base", schedule.chosen().base());
                keep.put("keep_ratios", schedule.chosen().selectors().stream().map(Selector::keepRatio).toList());
                keep.put("predicted_ms", schedule.chosen().latencyMs());
                List<Map<String, Object>> all = new ArrayList<>();
                for (KeepSchedule.Candidate c : schedule.candidates()) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("base", c.base());
                    r.put("predicted_cycles", c.cycles());
                    r.put("predicted_ms", c.latencyMs());
                    all.add(r);
                }
                keep.put("candidates", all);
                out.put("keep_schedule", keep);
            }
            AtomicFiles.writeJson(json, out);
        }
        return 0;
    }

    /**
     * Per selector step: the cycles it adds to the image, its work's cycles and their parts (the fused
     * selector's stages or the unit's kernels), for plan --json and the manifest.
     */
    static List<Map<String, Object>> selectorStagesJson(ModelPlan plan) {
        List<Map<String, Object>> stages = new ArrayList<>();
        for (ModelPlan.SelectorStage st : plan.selectorStages()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", st.name());
            s.put("before_block", st.beforeBlock());
            s.put("patches", st.patches());
            s.put("added_cycles", st.cost());
            s.put("work_cycles", st.total());
            s.put(plan.fusedSelector() ? "stages" : "kernels", st.cycles());
            stages.add(s);
        }
        return stages;
    }

    /** A resource estimate as plan --json and the manifest write it (callers may add keys after). */
    static Map<String, Object> resourcesJson(ResourceEstimate e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("dsp", e.dsp());
        r.put("bram36", e.bram36());
        r.put("ff", e.ff());
        r.put("lut", e.lut());
        return r;
    }

    /** Every product of the plan with its predicted cycles and traffic; manifest.json carries the same list. */
    static List<Map<String, Object>> layersJson(ModelPlan plan) {
        List<Map<String, Object>> layers = new ArrayList<>();
        for (ModelPlan.LayerPlan l : plan.layers()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", l.name());
            r.put("m", l.m());
            r.put("k", l.k());
            r.put("n", l.n());
            r.put("count", l.count());
            r.put("nonzero_blocks", l.nonzeroBlocks());
            r.put("total_blocks", l.totalBlocks());
            r.put("useful_macs", l.usefulMacs() * l.count());
            r.put("predicted_cycles", l.cycles() * l.count());
            r.put("weight_bytes_streamed", l.weightBytes() * l.count());
            r.put("activation_bytes", l.activationBytes() * l.count());
            r.put("on_chip", "one X row tile (double-buffered); weights and Y stream");
            layers.add(r);
        }
        return layers;
    }

    private static String ratios(KeepSchedule.Candidate c) {
        return c.selectors().stream().map(s -> String.format("%.3f", s.keepRatio())).toList().toString();
    }

    private static void row(String name, Object value, String why) {
        System.out.printf("  %-12s %-8s %s%n", name, value, why);
    }

    private static Map<String, Object> size(Object value, String why) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", value);
        m.put("why", why);
        return m;
    }
}
