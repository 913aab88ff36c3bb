package dev.vitforge.host.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.vitforge.hwgen.emit.VerilogEmitter;
import dev.vitforge.host.selector.SelectorUnit;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmEngine;
import dev.vitforge.hwgen.gen.ControlRegisters;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Hashing;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.hwgen.plan.ResourceEstimate;
import dev.vitforge.models.weights.PrunedModel;
import dev.vitforge.models.weights.PrunedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge generate}: the bitstream sources of a model's hardware on a board —
 * {@code rtl/*.v} and {@code files.f}, {@code manifest.json} (the contract the host reads:
 * generator, RTL hash, parameters, register map, stream formats, per-product schedule),
 * {@code <board>.xdc} and {@code vivado/build.tcl}. The engine is an AXI kernel (AXI4-Lite
 * control, AXI4-Stream data), so the constraints hold its clock only: pins belong to the
 * platform it is placed into. Everything is written into a temporary sibling and renamed.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Emit the RTL, manifest, constraints and Vivado script of a model's hardware.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "CARD.json")
    Path model;

    @Option(names = "--board", defaultValue = Board.DEFAULT, description = "board profile (default: ${DEFAULT-VALUE})")
    String board;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "a directory that does not exist yet")
    Path out;

    @Override
    public Integer call() {
        Board target = Board.named(board);
        Path dir = out.toAbsolutePath().normalize();
        if (Files.exists(dir)) {
            throw new IllegalArgumentException(out + ": already exists; generate writes a new directory");
        }
        if (dir.getParent() == null || !Files.isDirectory(dir.getParent())) {
            throw new IllegalArgumentException(out + ": the directory to write into does not exist");
        }
        PrunedModel m = PrunedModels.load(model);
        ModelPlan plan = ModelPlan.plan(m.architecture(), m.selectors(), m.masks()::get, m.blockSize(), target);
        GemmConfig config = plan.engine();
        Design design = GemmEngine.design(config);
        Map<String, String> rtl = new LinkedHashMap<>(VerilogEmitter.emit(design));
        // The selector the plan chose, sized from the card (D, H, the most patch tokens), when it has selectors:
        // the fused selector's stages, or the selector unit's kernels.
        Architecture a = m.architecture();
        SelectorUnit.Sizes unit = m.selectors().isEmpty() || plan.fusedSelector() ? null
                : SelectorUnit.Sizes.of(a, plan.selectorLanes());
        FusedSelector.Shapes fused = !m.selectors().isEmpty() && plan.fusedSelector() ? plan.fusedShapes(a) : null;
        int capacity = SelectorUnit.tokenCapacity(a.patches());
        List<Design> kernels = unit != null ? unit.designs() : fused != null ? FusedSelector.designs(fused, capacity)
                : List.of();
        for (Design k : kernels) {
            rtl.putAll(VerilogEmitter.emit(k));
        }

        Map<String, String> files = new LinkedHashMap<>();
        StringBuilder list = new StringBuilder();
        StringBuilder all = new StringBuilder();
        for (Map.Entry<String, String> f : rtl.entrySet()) {
            files.put("rtl/" + f.getKey(), f.getValue());
            list.append("rtl/").append(f.getKey()).append('\n');
            all.append(f.getKey()).append('\n').append(f.getValue());
        }
        files.put("files.f", list.toString());
        String rtlHash = Hashing.sha256(all.toString());
        Map<String, Object> manifest = manifest(m, target, plan, design, rtlHash);
        if (unit != null) {
            manifest.put("selector_unit", selectorManifest(unit, kernels, plan));
        }
        if (fused != null) {
            manifest.put("fused_selector", fusedManifest(fused, capacity, kernels, plan));
        }
        files.put("manifest.json", AtomicFiles.json(manifest));
        files.put(target.name() + ".xdc", xdc(target, design));
        files.put("vivado/build.tcl", tcl(target, design, rtl.keySet()));
        writeDirectory(dir, files);
        System.out.printf("generate %s on %s: %s (%d lanes x %d x %d), %d RTL files, rtl sha256 %s -> %s%n",
                m.name(), target.name(), design.top().name(), config.lanes(), config.rowTile(), config.blockSize(),
                rtl.size(), rtlHash.substring(0, 12), out);
        return 0;
    }

    private static Map<String, Object> fusedManifest(FusedSelector.Shapes s, int capacity, List<Design> stages,
                                                     ModelPlan plan) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("stages", stages.stream().map(k -> k.top().name()).toList());
        f.put("dim", s.dim());
        f.put("heads", s.heads());
        f.put("lanes", s.lanes());
        f.put("max_tokens", capacity);
        f.put("why", plan.selectorReason());
        f.put("linear_layers", "on the stages' own weight-resident arrays (in_proj and mlp.0 in the front, "
                + "head_gate.0-1 in the gate, mlp.0's global half, mlp.1-2 in the tail)");
        f.put("order", "per selector: front (patch rows, token-major head rows) -> local_acc, row_mean, global_mean; "
                + "gate (row_mean) -> g1; global (global_mean) -> the tail's head_bias; tail (local_acc, head_bias) "
                + "-> diff; decision (diff, g1) -> keep, p; pack (the patch rows again, keep, p, the package token) -> "
                + "kept rows and the new package token; stream formats in each stage's Javadoc (hwgen/selector)");
        f.put("integration", "AXI-Stream stages chained on chip beside the GEMM engine; vivado/build.tcl implements the "
                + "GEMM engine, the stages' RTL is listed for a block design");
        f.put("resources", PlanCommand.resourcesJson(ResourceEstimate.fusedSelector(s)));
        f.put("stage_cycles", PlanCommand.selectorStagesJson(plan));
        return f;
    }

    private static Map<String, Object> selectorManifest(SelectorUnit.Sizes unit, List<Design> kernels, ModelPlan plan) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kernels", kernels.stream().map(k -> k.top().name()).toList());
        s.put("dim", unit.dim());
        s.put("heads", unit.heads());
        s.put("max_tokens", unit.maxTokens());
        s.put("lanes", unit.lanes());
        s.put("lanes_why", plan.selectorReason());
        s.put("linear_layers", "on the GEMM engine (selectors.*.in_proj, mlp.0-2, head_gate.0-1 in the schedule)");
        s.put("order", "per selector: layernorm, gelu (in_proj), group_mean (global half), gelu (mlp.0), gelu (mlp.1), "
                + "group_mean (channel means), gelu (head_gate.0), decision, pack; stream formats in each kernel's "
                + "Javadoc (hwgen/selector)");
        s.put("integration", "stand-alone AXI-Stream kernels the host drives one after another (as the sim device "
                + "does); vivado/build.tcl implements the GEMM engine, the kernels' RTL is listed for a block design");
        s.put("stages", PlanCommand.selectorStagesJson(plan));
        return s;
    }

    private static Map<String, Object> manifest(PrunedModel m, Board b, ModelPlan plan, Design d, String rtlHash) {
        GemmConfig c = plan.engine();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generator", Design.GENERATOR);
        out.put("model", m.name());
        out.put("board", b.name());
        out.put("part", b.part());
        out.put("clock_mhz", b.clockMhz());
        out.put("top", d.top().name());
        out.put("rtl_sha256", rtlHash);
        out.put("source", d.source());
        out.put("source_sha256", d.sourceHash());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("block_size", c.blockSize());
        params.put("row_tile", c.rowTile());
        params.put("lanes", c.lanes());
        params.put("x_columns", c.xColumns());
        params.put("max_k", c.maxK());
        params.put("max_m", c.maxM());
        params.put("max_columns", c.maxColumns());
        params.put("multipliers", c.multipliers());
        params.put("why", c.reasons());
        out.put("parameters", params);
        ControlRegisters.Layout layout = GemmEngine.layout(c);
        Map<String, Object> registers = new LinkedHashMap<>();
        registers.put("ap_ctrl", 0x00);
        registers.put("global_interrupt_enable", 0x04);
        registers.put("interrupt_enable", 0x08);
        registers.put("interrupt_status", 0x0C);
        registers.put("arguments", layout.arguments());
        registers.put("status", layout.status());
        registers.put("id", String.format("0x%08x", GemmEngine.ID));
        registers.put("version", String.format("0x%08x", GemmEngine.VERSION));
        registers.put("config_hash", String.format("0x%08x", GemmEngine.configHash(c)));
        out.put("registers", registers);
        Map<String, Object> streams = new LinkedHashMap<>();
        streams.put("x", Map.of("direction", "in", "width", c.xBeatWidth(), "format",
                "per row tile: ceil(k / x_columns) beats of x_columns columns (first in the low bits), a column being "
                        + "row_tile int8 values of X[:, k], row 0 in the low byte; zero past m and k"));
        for (int l = 0; l < c.lanes(); l++) {
            streams.put("w" + l, Map.of("direction", "in", "width", c.weightBeatWidth(), "tlast", "last beat of a "
                    + "block-column", "format", "per row tile, per lane block-column: one beat per k of each non-zero "
                    + "block: {skip, first, k[" + c.kWidth() + "], B int8 weights W[jB+n][k], n = 0 lowest}; an "
                    + "empty column is one beat with skip and first set"));
            streams.put("y" + l, Map.of("direction", "out", "width", c.yBeatWidth(), "tlast", "last beat of the run",
                    "format", "per row tile, per lane block-column, per row: B int32, column jB in the low word"));
        }
        out.put("streams", streams);
        out.put("schedule", PlanCommand.layersJson(plan));
        out.put("predicted_gemm_cycles", plan.predictedGemmCycles());
        out.put("predicted_selector_cycles", plan.predictedSelectorCycles());
        out.put("predicted_cycles", plan.predictedCycles());
        out.put("resources_estimate", PlanCommand.resourcesJson(ResourceEstimate.of(c)));
        return out;
    }

    private static String xdc(Board b, Design d) {
        double period = 1000.0 / b.clockMhz();
        return "# Generated by " + Design.GENERATOR + " for " + b.name() + " (" + b.part() + "). Do not edit.\n"
                + "# " + d.top().name() + " is an AXI kernel: its ports connect inside the platform, so only its\n"
                + "# clock is constrained here; pins belong to the platform's own constraints.\n"
                + String.format(java.util.Locale.ROOT, "create_clock -name ap_clk -period %.3f [get_ports clk]%n", period)
                + "set_property HD.CLK_SRC BUFGCTRL_X0Y0 [get_ports clk]\n";
    }

    private static String tcl(Board b, Design d, Iterable<String> rtl) {
        StringBuilder t = new StringBuilder();
        t.append("# Generated by ").append(Design.GENERATOR).append(". Do not edit.\n");
        t.append("# Out-of-context synthesis and implementation of ").append(d.top().name()).append(" for ")
                .append(b.name()).append(":\n#   vivado -mode batch -source vivado/build.tcl   (from this directory)\n");
        t.append("# Reports land in vivado/reports; vivado/ip holds the kernel packaged as IP for a block design.\n");
        t.append("set root [file normalize [file join [file dirname [info script]] ..]]\n");
        t.append("create_project -in_memory -part ").append(b.part()).append('\n');
        for (String f : rtl) {
            t.append("read_verilog [file join $root rtl ").append(f).append("]\n");
        }
        t.append("read_xdc -mode out_of_context [file join $root ").append(b.name()).append(".xdc]\n");
        t.append("synth_design -top ").append(d.top().name()).append(" -mode out_of_context\n");
        t.append("opt_design\nplace_design\nroute_design\n");
        t.append("file mkdir [file join $root vivado reports]\n");
        t.append("report_utilization -file [file join $root vivado reports utilization.rpt]\n");
        t.append("report_timing_summary -file [file join $root vivado reports timing.rpt]\n");
        t.append("write_checkpoint -force [file join $root vivado ").append(d.top().name()).append(".dcp]\n");
        t.append("ipx::package_project -root_dir [file join $root vivado ip] -vendor vitforge.dev -library kernel "
                + "-taxonomy /UserIP -import_files -set_current false\n");
        return t.toString();
    }

    /** All files or none: written into a temporary sibling directory, renamed to DIR at the end. */
    private static void writeDirectory(Path dir, Map<String, String> files) {
        Path temp = null;
        try {
            temp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".generate");
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path p = temp.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
            }
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try (var walk = Files.walk(temp)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
                } catch (IOException ignored) {
                    // best effort: a hidden temporary directory is all that can be left
                }
            }
        }
    }
}
