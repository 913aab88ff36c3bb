package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.tensor.UInt8Tensor;
import dev.vitforge.models.weights.SafeTensors;
import dev.vitforge.models.weights.SyntheticWeights;
import dev.vitforge.models.weights.Weights;

/** ./vitforge select on the cpu device: the four files of SEMANTICS.md, deterministic, bad input refused. */
class SelectCommandTest {
    @TempDir
    Path dir;

    private static int run(String... args) {
        return Cli.run(args).code();
    }

    @Test
    void writesTheFourFilesDeterministically() throws IOException {
        Architecture a = new Architecture("deit", 96, 2, 3, 4.0, 8, 32, 3, 10);
        Weights all = SyntheticWeights.generate(a, List.of(new Selector(1, 0.7)), 5, 16, 1.0);
        Map<String, Float32Tensor> sel = new LinkedHashMap<>();
        all.tensors().forEach((name, t) -> {
            if (name.startsWith("selectors.0.")) {
                sel.put(name.substring("selectors.0.".length()), t);
            }
        });
        SafeTensors.write(dir.resolve("sel.safetensors"), new Weights("test", sel));
        Random rnd = new Random(9);
        int tokens = 17;
        float[] data = new float[tokens * 96];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        Npy.write(dir.resolve("t.npy"), new Float32Tensor(new int[] {tokens, 96}, data));
        // a and b: the cpu device twice (deterministic); s: the selector unit and the GEMM engine on Verilator.
        for (String out : new String[] {"a", "b", "s"}) {
            assertEquals(0, run("select", "--tokens", dir.resolve("t.npy").toString(), "--selector",
                    dir.resolve("sel.safetensors").toString(), "--out", dir.resolve(out).toString(), "--device",
                    out.equals("s") ? "sim" : "cpu"));
        }
        UInt8Tensor keep = (UInt8Tensor) Npy.read(dir.resolve("a").resolve("keep.npy"));
        Float32Tensor kept = (Float32Tensor) Npy.read(dir.resolve("a").resolve("tokens.npy"));
        Float32Tensor p = (Float32Tensor) Npy.read(dir.resolve("a").resolve("p_keep.npy"));
        assertEquals(tokens, keep.shape()[0]);
        assertEquals(1, keep.get(0), "CLS is always kept");
        int count = 0;
        for (int i = 0; i < tokens; i++) {
            count += keep.get(i);
        }
        assertArrayEquals(new int[] {count + 1, 96}, kept.shape());
        assertArrayEquals(new int[] {tokens - 1}, p.shape());
        assertTrue(Files.readString(dir.resolve("a").resolve("stats.json")).contains("\"kept\": " + (count - 1)));
        for (String f : new String[] {"keep.npy", "tokens.npy", "p_keep.npy", "stats.json"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("s").resolve(f)),
                    "sim and cpu differ in " + f);
        }
        assertTrue(run("select", "--tokens", dir.resolve("t.npy").toString(), "--selector",
                dir.resolve("t.npy").toString(), "--out", dir.resolve("c").toString()) != 0);
        assertTrue(run("select", "--tokens", dir.resolve("sel.safetensors").toString(), "--selector",
                dir.resolve("sel.safetensors").toString(), "--out", dir.resolve("c").toString()) != 0);
        assertTrue(run("select", "--tokens", dir.resolve("t.npy").toString(), "--selector",
                dir.resolve("sel.safetensors").toString(), "--out", dir.resolve("c").toString(), "--device", "fpga") != 0);
        assertFalse(Files.exists(dir.resolve("c").resolve("keep.npy")));
    }
}
