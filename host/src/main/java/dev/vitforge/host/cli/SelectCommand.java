package dev.vitforge.host.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.weights.SafeTensors;
import dev.vitforge.models.weights.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge select}: one SPViT token selector on its own (SEMANTICS.md). The cpu device
 * runs the integer reference ({@link IntegerSelector}), calibrated on the given tokens, which is
 * what the selector hardware is to match bit for bit. The heads are read off the weights
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

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu",
            description = "cpu: the integer reference (default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() {
        if (device.equals("sim")) {
            throw new IllegalArgumentException("--device sim needs the token-selector unit, which has no RTL yet; "
                    + "use --device cpu (the integer reference the unit will match)");
        }
        if (!device.equals("cpu")) {
            throw new IllegalArgumentException("--device must be cpu, got '" + device + "'");
        }
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
        IntegerSelector.Output o;
        try {
            o = IntegerSelector.quantize(w::get, heads, dim, List.of(t)).apply(t);
        } catch (RuntimeException e) { // any shape or value the weights get wrong is the weights file's problem
            throw new IllegalArgumentException(selector + ": " + e.getMessage(), e);
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("device", device);
        stats.put("tokens", t.shape()[0]);
        stats.put("kept", o.keptCount());
        stats.put("dropped", t.shape()[0] - 1 - o.keptCount());
        stats.put("heads", heads);
        writeAll(o, stats);
        System.out.printf("select %s: kept %d of %d patch tokens (+ CLS, + package token) -> %s%n", device,
                o.keptCount(), t.shape()[0] - 1, out);
        return 0;
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
