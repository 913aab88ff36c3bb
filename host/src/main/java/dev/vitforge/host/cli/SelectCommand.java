package dev.vitforge.host.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.vitforge.host.gemm.GemmExecutor;
import dev.vitforge.host.selector.FusedSelectorUnit;
import dev.vitforge.host.selector.SelectorUnit;
import dev.vitforge.hwgen.plan.ResourceEstimate;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.GemmPlanner;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.weights.SafeTensors;
import dev.vitforge.models.weights.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge select}: one SPViT token selector on its own (SEMANTICS.md), calibrated on the
 * given tokens. It runs on the widest fused selector that D and H have (d a multiple of 8) and the
 * board holds on its own (standalone, no engine sits beside it; {@code run} instead takes the plan's
 * choice, which weighs the fused selector's resources against the engine's); otherwise on the selector
 * unit's kernels with the selector's linear layers on a GEMM engine. The sim device runs that hardware's RTL on Verilator; the cpu device runs the
 * integer reference ({@link IntegerSelector}) with its cycle models. Standalone, the fused selector's
 * cycles are its stages' one after another (nothing to overlap with). Both write the same four files, byte for byte. The heads are read off the weights
 * ({@code head_gate.0.weight} is [max(1, H/2) x H]).
 */
@Command(name = "select", mixinStandardHelpOptions = true,
        description = "Score the patch tokens, keep those with a non-negative margin, fuse the rest into a package token.")
final class SelectCommand implements Callable<Integer> {

    @Option(names = "--tokens", required = true, paramLabel = "T.npy", description = "float32 [T x D], row 0 the CLS token")
    Path tokens;

    @Option(names = "--selector", required = true, paramLabel = "SEL.safetensors",
            description = "the selector's weights without the selectors.{j}. prefix")
    Path selector;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "sim|cpu",
            description = "sim: the selector's RTL (and the GEMM engine, on the selector unit) on Verilator; cpu: the "
                    + "integer reference with the cycle models (default: ${DEFAULT-VALUE}); both write identical files")
    String device;

    @Option(names = "--board", defaultValue = Board.DEFAULT, paramLabel = "BOARD",
            description = "the board the selector is built for: the fused selector if it fits, else the selector "
                    + "unit and a GEMM engine for its linear layers (default: ${DEFAULT-VALUE})")
    String board;

    /** The block size the standalone selector's engine is planned for (LPViT's default; its layers are dense). */
    static final int BLOCK = 16;

    @Override
    public Integer call() {
        if (!device.equals("cpu") && !device.equals("sim")) {
            throw new IllegalArgumentException("--device must be sim or cpu, got '" + device + "'");
        }
        Board target = Board.named(board);
        Float32Tensor t = (Float32Tensor) Npy.read(tokens, dev.vitforge.models.tensor.DType.FLOAT32, 2);
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(tokens + ": tokens must be finite, found " + v);
            }
        }
        Weights w = SafeTensors.read(selector);
        int dim = t.shape()[1];
        if (t.shape()[0] < 2) {
            throw new IllegalArgumentException(tokens + ": needs the CLS token and at least one patch token, got "
                    + t.shape()[0] + " rows");
        }
        int[] gate = w.get("head_gate.0.weight").shape();
        int[] norm = w.get("norm.weight").shape();
        if (gate.length != 2 || norm.length != 1) {
            throw new IllegalArgumentException(selector + ": head_gate.0.weight must be 2-D and norm.weight 1-D, got "
                    + gate.length + "-D and " + norm.length + "-D");
        }
        int heads = gate[1];
        int d = norm[0];
        if (heads * d != dim) {
            throw new IllegalArgumentException(selector + ": " + heads + " heads of " + d + " channels do not make the "
                    + "tokens' " + dim + " (" + tokens + ")");
        }
        IntegerSelector quantized;
        try {
            quantized = IntegerSelector.quantize(w::get, heads, dim, List.of(t));
        } catch (RuntimeException e) { // any shape or value the weights get wrong is the weights file's problem
            throw new IllegalArgumentException(selector + ": " + e.getMessage(), e);
        }
        int patches = t.shape()[0] - 1;
        boolean simulate = device.equals("sim");
        FusedSelector.Shapes shapes = null;
        for (int lanes : FusedSelector.LANES) { // the widest fused selector the board holds
            if (shapes == null && FusedSelector.Shapes.exist(dim, heads, lanes)
                    && ResourceEstimate.fusedSelector(FusedSelector.Shapes.of(dim, heads, lanes)).fits(target)) {
                shapes = FusedSelector.Shapes.of(dim, heads, lanes);
            }
        }
        if (shapes != null) {
            FusedSelectorUnit fused = new FusedSelectorUnit(shapes, patches, simulate);
            IntegerSelector.Output o = quantized.apply(t, fused);
            Map<String, Object> stats = stats(t, o, heads, target, "fused");
            stats.put("lanes", shapes.lanes());
            stats.put("cycles", fused.totalCycles());
            stats.put("stage_cycles", fused.cyclesInOrder());
            writeAll(o, stats);
            System.out.printf("select %s: kept %d of %d patch tokens (+ CLS, + package token); fused selector %d cycles "
                    + "(its stages one after another) = %.3f ms at %d MHz -> %s%n", device, o.keptCount(), patches,
                    fused.totalCycles(), fused.totalCycles() / (target.clockMhz() * 1e3), target.clockMhz(), out);
            return 0;
        }
        SelectorUnit.Sizes sizes = new SelectorUnit.Sizes(dim, heads, SelectorUnit.tokenCapacity(patches));
        GemmConfig engine = GemmPlanner.plan(SelectorUnit.linearLayers(sizes, BLOCK), target);
        GemmExecutor exec = new GemmExecutor(engine, simulate);
        SelectorUnit unit = new SelectorUnit(sizes, simulate);
        IntegerSelector.Output o = quantized.apply(t, exec, unit);

        // No device in the file: sim measures the cycles the cpu device's models predict, so the files are equal.
        Map<String, Object> stats = stats(t, o, heads, target, "unit");
        stats.put("cycles", exec.cycles() + unit.totalCycles());
        stats.put("gemm_cycles", exec.cycles());
        stats.put("unit_cycles", unit.totalCycles());
        stats.put("unit_cycles_by_kernel", unit.cyclesInOrder());
        // Without "where" (it names the device), so that both devices write the same file.
        stats.put("gemm_products", exec.products().stream().map(r -> {
            Map<String, Object> c = new LinkedHashMap<>(r);
            c.remove("where");
            return c;
        }).toList());
        stats.put("engine", engine.lanes() + " lane(s) x " + engine.rowTile() + " x " + engine.blockSize()
                + " int8 multipliers");
        writeAll(o, stats);
        System.out.printf("select %s: kept %d of %d patch tokens (+ CLS, + package token); %d cycles (GEMM engine %d, "
                + "selector unit %d) = %.3f ms at %d MHz -> %s%n", device, o.keptCount(), patches,
                exec.cycles() + unit.totalCycles(), exec.cycles(), unit.totalCycles(),
                (exec.cycles() + unit.totalCycles()) / (target.clockMhz() * 1e3), target.clockMhz(), out);
        return 0;
    }

    private static Map<String, Object> stats(Float32Tensor t, IntegerSelector.Output o, int heads, Board target,
                                             String selector) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("tokens", t.shape()[0]);
        stats.put("kept", o.keptCount());
        stats.put("dropped", t.shape()[0] - 1 - o.keptCount());
        stats.put("heads", heads);
        stats.put("board", target.name());
        stats.put("selector", selector);
        return stats;
    }

    /**
     * All four files or none: they are written into a temporary sibling directory, which becomes
     * DIR by one rename when DIR does not exist yet; into an existing DIR each file moves
     * atomically, and a failure part-way removes the files this run already moved.
     */
    private void writeAll(IntegerSelector.Output o, Map<String, Object> stats) {
        Path dir = out.toAbsolutePath().normalize();
        Path parent = dir.getParent();
        Path temp = null;
        List<Path> moved = new java.util.ArrayList<>();
        try {
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException(out + ": the directory to write into does not exist");
            }
            temp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".select");
            Npy.write(temp.resolve("keep.npy"), o.keep());
            Npy.write(temp.resolve("tokens.npy"), o.tokens());
            Npy.write(temp.resolve("p_keep.npy"), o.pKeep());
            AtomicFiles.writeJson(temp.resolve("stats.json"), stats);
            if (!Files.exists(dir)) {
                Files.move(temp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                temp = null;
                return;
            }
            for (String f : List.of("keep.npy", "tokens.npy", "p_keep.npy", "stats.json")) {
                Files.move(temp.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                moved.add(dir.resolve(f));
            }
        } catch (IOException e) {
            moved.forEach(AtomicFiles::deleteQuietly);
            throw new UncheckedIOException(out + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try (var left = Files.list(temp)) {
                    left.forEach(AtomicFiles::deleteQuietly);
                } catch (IOException ignored) {
                    // nothing more to do about a directory that cannot be listed
                }
                AtomicFiles.deleteQuietly(temp);
            }
        }
    }
}
