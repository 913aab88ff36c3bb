package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.SelectorCycles;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.quant.IntOps;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.tensor.UInt8Tensor;
import dev.vitforge.models.weights.SafeTensors;
import dev.vitforge.models.weights.SyntheticWeights;
import dev.vitforge.models.weights.Weights;

/**
 * ./vitforge select: the four files of SEMANTICS.md, deterministic, the sim device (the fused selector,
 * or the selector unit and the GEMM engine, on Verilator) byte for byte equal to the cpu device (the integer reference with
 * the cycle models), across token counts, head counts and forced decisions; bad input refused.
 */
class SelectCommandTest {
    static final String[] FILES = {"keep.npy", "tokens.npy", "p_keep.npy", "stats.json"};

    @TempDir
    Path dir;

    private static int run(String... args) {
        return Cli.run(args).code();
    }

    /** A synthetic selector of H heads over D = H * d, as a standalone safetensors file (no prefix). */
    private Path selector(String name, int dim, int heads, long seed, String force) throws IOException {
        Architecture a = new Architecture("deit", dim, 2, heads, 4.0, 8, 32, 3, 10);
        Weights all = SyntheticWeights.generate(a, List.of(new Selector(1, 0.7)), seed, 16, 1.0);
        Map<String, Float32Tensor> sel = new LinkedHashMap<>();
        all.tensors().forEach((n, t) -> {
            if (n.startsWith("selectors.0.")) {
                sel.put(n.substring("selectors.0.".length()), t);
            }
        });
        if (!force.equals("none")) {
            // Constant logits: mlp.2's weights zero and its biases (keep, drop) chosen.
            Float32Tensor w = sel.get("mlp.2.weight");
            sel.put("mlp.2.weight", new Float32Tensor(w.shape(), new float[w.data().length]));
            float[] bias = switch (force) {
                case "keep" -> new float[] {4f, -4f};
                case "drop" -> new float[] {-4f, 4f};
                default -> new float[] {1f, 1f}; // "zero": every margin exactly 0, which keeps
            };
            sel.put("mlp.2.bias", Float32Tensor.vector(bias));
        }
        Path p = dir.resolve(name + ".safetensors");
        SafeTensors.write(p, new Weights("test", sel));
        return p;
    }

    private Path tokens(String name, int t, int dim, long seed) throws IOException {
        Random rnd = new Random(seed);
        float[] data = new float[t * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        Path p = dir.resolve(name + ".npy");
        Npy.write(p, new Float32Tensor(new int[] {t, dim}, data));
        return p;
    }

    @Test
    void writesTheFourFilesDeterministically() throws IOException {
        Path sel = selector("sel", 96, 3, 5, "none");
        Path t = tokens("t", 17, 96, 9);
        // a and b: the cpu device twice (deterministic); s: the fused selector on Verilator.
        for (String out : new String[] {"a", "b", "s"}) {
            assertEquals(0, run("select", "--tokens", t.toString(), "--selector", sel.toString(), "--out",
                    dir.resolve(out).toString(), "--device", out.equals("s") ? "sim" : "cpu"));
        }
        UInt8Tensor keep = (UInt8Tensor) Npy.read(dir.resolve("a").resolve("keep.npy"));
        Float32Tensor kept = (Float32Tensor) Npy.read(dir.resolve("a").resolve("tokens.npy"));
        Float32Tensor p = (Float32Tensor) Npy.read(dir.resolve("a").resolve("p_keep.npy"));
        assertEquals(17, keep.shape()[0]);
        assertEquals(1, keep.get(0), "CLS is always kept");
        int count = 0;
        for (int i = 0; i < 17; i++) {
            count += keep.get(i);
        }
        assertArrayEquals(new int[] {count + 1, 96}, kept.shape());
        assertArrayEquals(new int[] {16}, p.shape());
        assertTrue(Files.readString(dir.resolve("a").resolve("stats.json")).contains("\"kept\": " + (count - 1)));
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("s").resolve(f)),
                    "sim and cpu differ in " + f);
        }
    }

    /**
     * T tokens, H heads of d channels; force: none, keep (nothing dropped), drop (everything), zero (margins
     * 0). d = 16 runs on the fused selector; d = 12 (not a multiple of 8) has none, so on the selector unit.
     */
    @ParameterizedTest(name = "T={0} H={1} force={2} d={3}")
    @CsvSource({"2, 1, none, 16", "9, 2, none, 16", "50, 3, none, 16", "197, 6, none, 16", "50, 3, keep, 16",
            "50, 3, drop, 16", "9, 2, zero, 16", "9, 2, none, 12"})
    void simWritesWhatCpuWrites(int t, int heads, String force, int d) throws IOException {
        int dim = d * heads;
        long seed = 1000L * t + heads;
        System.out.println("[seed] select T=" + t + " H=" + heads + " force=" + force + " seed=" + seed);
        Path sel = selector("sel", dim, heads, seed, force);
        Path tok = tokens("t", t, dim, seed + 1);
        for (String device : new String[] {"cpu", "sim"}) {
            assertEquals(0, run("select", "--tokens", tok.toString(), "--selector", sel.toString(), "--out",
                    dir.resolve(device).toString(), "--device", device));
        }
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("cpu").resolve(f)),
                    Files.readAllBytes(dir.resolve("sim").resolve(f)), "sim and cpu differ in " + f + ", seed " + seed);
        }
        // The cycles both devices report: the fused selector's stage models (the sim device measured them), or
        // the unit's kernel models plus the engine's.
        String stats = Files.readString(dir.resolve("sim").resolve("stats.json"));
        if (d == 16) {
            assertTrue(stats.contains("\"selector\": \"fused\"") && stats.contains("\"cycles\": "
                    + FusedSelector.cycles(FusedSelector.Shapes.of(dim, heads), t - 1) + ","), stats);
        } else {
            assertTrue(stats.contains("\"selector\": \"unit\"") && stats.contains("\"unit_cycles\": "
                    + SelectorCycles.total(dim, heads, t - 1) + ","), "unit cycles = SelectorCycles: " + stats);
        }
        UInt8Tensor keep = (UInt8Tensor) Npy.read(dir.resolve("cpu").resolve("keep.npy"));
        int kept = -1;
        for (int i = 0; i < t; i++) {
            kept += keep.get(i);
        }
        if (force.equals("zero")) { // every diff 0: every head's sigmoid is the integer sigmoid(0), every margin 0
            Float32Tensor p = (Float32Tensor) Npy.read(dir.resolve("cpu").resolve("p_keep.npy"));
            float half = IntOps.sigmoid(0) / (float) (1 << IntOps.SIGMOID_BITS); // 0.50006: I-BERT's exp(0) is ~1
            for (int i = 0; i < t - 1; i++) {
                assertEquals(half, p.get(i), "p of a zero margin");
            }
        }
        switch (force) {
            case "keep", "zero" -> assertEquals(t - 1, kept, "every patch token kept");
            case "drop" -> assertEquals(0, kept, "every patch token dropped");
            default -> { }
        }
        Float32Tensor out = (Float32Tensor) Npy.read(dir.resolve("cpu").resolve("tokens.npy"));
        assertArrayEquals(new int[] {kept + 2, dim}, out.shape());
        if (kept == t - 1) {
            for (float v : java.util.Arrays.copyOfRange(out.data(), (kept + 1) * dim, (kept + 2) * dim)) {
                assertEquals(0f, v, "nothing dropped: the package token stays a zero row");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"no tokens file", "no selector file", "garbage selector", "truncated selector",
            "missing tensor", "dimension mismatch", "NaN token", "infinite token", "NaN weight", "infinite weight",
            "tokens not 2-D", "only CLS", "inconsistent weights", "sim: NaN token", "existing out: NaN weight"})
    void badInputIsRefused(String problem) throws IOException {
        Path sel = selector("sel", 48, 3, 7, "none");
        Path tok = tokens("t", 9, 48, 8);
        Path blamed = sel;
        switch (problem) {
            case "no tokens file" -> {
                tok = dir.resolve("absent.npy");
                blamed = tok;
            }
            case "no selector file" -> sel = blamed = dir.resolve("absent.safetensors");
            case "garbage selector" -> Files.write(sel, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
            case "truncated selector" -> {
                byte[] b = Files.readAllBytes(sel);
                Files.write(sel, java.util.Arrays.copyOf(b, b.length - 100));
            }
            case "missing tensor" -> {
                Weights w = SafeTensors.read(sel);
                Map<String, Float32Tensor> m = new LinkedHashMap<>(w.tensors());
                m.remove("mlp.1.weight");
                SafeTensors.write(sel, new Weights("test", m));
            }
            case "dimension mismatch" -> tok = tokens("t", 9, 40, 8);
            case "NaN token", "infinite token", "sim: NaN token" -> {
                Float32Tensor x = (Float32Tensor) Npy.read(tok);
                float[] d = x.data().clone();
                d[5 * 48 + 3] = problem.contains("NaN") ? Float.NaN : Float.NEGATIVE_INFINITY;
                Npy.write(tok = dir.resolve("bad.npy"), new Float32Tensor(x.shape(), d));
                blamed = tok;
            }
            case "NaN weight", "infinite weight", "existing out: NaN weight" -> {
                byte[] b = Files.readAllBytes(sel);
                long header = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                ByteBuffer.wrap(b, (int) (8 + header), 4).order(ByteOrder.LITTLE_ENDIAN)
                        .putFloat(problem.contains("NaN") ? Float.NaN : Float.POSITIVE_INFINITY);
                Files.write(sel, b);
            }
            case "inconsistent weights" -> { // in_proj [d x d] replaced by [d x d/2]
                Weights w = SafeTensors.read(sel);
                Map<String, Float32Tensor> m = new LinkedHashMap<>(w.tensors());
                m.put("in_proj.weight", new Float32Tensor(new int[] {16, 8}, new float[128]));
                SafeTensors.write(sel, new Weights("test", m));
            }
            case "tokens not 2-D" -> {
                Npy.write(tok = dir.resolve("flat.npy"), Float32Tensor.vector(new float[48]));
                blamed = tok;
            }
            case "only CLS" -> {
                tok = tokens("one", 1, 48, 8);
                blamed = tok;
            }
            default -> throw new IllegalStateException(problem);
        }
        if (problem.equals("dimension mismatch")) {
            blamed = sel;
        }
        Path out = dir.resolve("out");
        if (problem.startsWith("existing out")) { // a directory from an earlier run stays as it was
            Files.createDirectories(out);
            Files.writeString(out.resolve("keep.npy"), "earlier");
        }
        Cli.Outcome o = Cli.run("select", "--tokens", tok.toString(), "--selector", sel.toString(), "--out",
                out.toString(), "--device", problem.startsWith("sim") ? "sim" : "cpu");
        assertTrue(o.code() != 0, problem + ": exit code");
        assertEquals(1, o.err().strip().lines().count(), problem + ": one line, got: " + o.err());
        assertTrue(o.err().contains(blamed.getFileName().toString()), problem + ": names " + blamed + ": " + o.err());
        assertFalse(o.err().contains("\tat "), problem + ": no stack trace");
        if (problem.startsWith("existing out")) {
            assertEquals("earlier", Files.readString(out.resolve("keep.npy")), problem + ": left untouched");
            try (var files = Files.list(out)) {
                assertEquals(1, files.count(), problem + ": nothing added");
            }
        } else {
            assertFalse(Files.exists(out), problem + ": nothing written");
        }
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().contains(".select")), "no temporary left");
        }
    }
}
