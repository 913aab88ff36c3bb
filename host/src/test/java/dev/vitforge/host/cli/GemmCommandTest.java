package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.sparse.BlockSparseGemm;
import dev.vitforge.models.tensor.Int32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.tensor.UInt8Tensor;

/** The gemm command's contract: results, STATS.json keys, and one clear line for bad input with nothing written. */
class GemmCommandTest {
    @TempDir
    Path dir;

    private static Cli.Outcome run(String... args) {
        return Cli.run(args);
    }

    private Int8Tensor random(Random rnd, int rows, int cols) {
        byte[] d = new byte[rows * cols];
        rnd.nextBytes(d);
        return new Int8Tensor(new int[] {rows, cols}, d);
    }

    @Test
    void simAndCpuGiveTheReferenceAndTheStatsKeys() throws IOException {
        Random rnd = new Random(11);
        Int8Tensor x = random(rnd, 9, 40);
        Int8Tensor w = random(rnd, 24, 40);
        BlockMask mask = BlockMask.random(11, 0.5, 8, 24, 40);
        byte[] maskBytes = new byte[mask.outputBlocks() * mask.inputBlocks()];
        for (int j = 0; j < mask.outputBlocks(); j++) {
            for (int i = 0; i < mask.inputBlocks(); i++) {
                maskBytes[j * mask.inputBlocks() + i] = (byte) (mask.isKept(j, i) ? 1 : 0);
            }
        }
        Npy.write(dir.resolve("x.npy"), x);
        Npy.write(dir.resolve("w.npy"), w);
        Npy.write(dir.resolve("mask.npy"), new UInt8Tensor(new int[] {mask.outputBlocks(), mask.inputBlocks()}, maskBytes));
        Int32Tensor expected = BlockSparseGemm.reference(x, w, mask);
        for (String device : new String[] {"sim", "cpu"}) {
            Path y = dir.resolve("y_" + device + ".npy");
            Path stats = dir.resolve("stats_" + device + ".json");
            Cli.Outcome o = run("gemm", "--x", dir.resolve("x.npy").toString(), "--w", dir.resolve("w.npy").toString(),
                    "--block", "8", "--mask", dir.resolve("mask.npy").toString(), "--out", y.toString(),
                    "--device", device, "--stats", stats.toString());
            assertEquals(0, o.code(), o.err());
            assertArrayEquals(expected.data(), Npy.readInt32(y, 2).data());
            JsonObject s = JsonParser.parseString(Files.readString(stats)).getAsJsonObject();
            for (String key : new String[] {"cycles", "macs_per_cycle", "nonzero_blocks", "total_blocks", "useful_macs",
                    "utilization", "dense_cycles"}) {
                assertTrue(s.has(key), device + " stats lack " + key);
            }
            assertEquals(mask.nonzeroBlocks(), s.get("nonzero_blocks").getAsInt());
            assertEquals(mask.usefulMacs(9, 24, 40), s.get("useful_macs").getAsLong());
            assertTrue(s.get("dense_cycles").getAsLong() > s.get("cycles").getAsLong());
            if (device.equals("sim")) {
                assertEquals(s.get("predicted_cycles").getAsLong(), s.get("cycles").getAsLong(), "measured vs model");
            }
        }
    }

    @Test
    void badInputGivesOneLineAndWritesNothing() throws IOException {
        Random rnd = new Random(12);
        Npy.write(dir.resolve("x.npy"), random(rnd, 4, 20));
        Npy.write(dir.resolve("w.npy"), random(rnd, 8, 21));
        Npy.write(dir.resolve("f.npy"), new dev.vitforge.models.tensor.Float32Tensor(new int[] {4, 20}, new float[80]));
        Files.write(dir.resolve("garbage.npy"), "not numpy".getBytes());
        byte[] good = Files.readAllBytes(dir.resolve("x.npy"));
        Files.write(dir.resolve("truncated.npy"), java.util.Arrays.copyOf(good, good.length - 7));
        String x = dir.resolve("x.npy").toString();
        String[][] cases = {
                {"--x", dir.resolve("missing.npy").toString(), "--w", x, "--block", "8"},
                {"--x", dir.resolve("garbage.npy").toString(), "--w", x, "--block", "8"},
                {"--x", dir.resolve("truncated.npy").toString(), "--w", x, "--block", "8"},
                {"--x", dir.resolve("f.npy").toString(), "--w", x, "--block", "8"},
                {"--x", x, "--w", dir.resolve("w.npy").toString(), "--block", "8"},
                {"--x", x, "--w", x, "--block", "0"},
                {"--x", x, "--w", x, "--block", "-3"},
                {"--x", x, "--w", x, "--block", "8", "--mask", x},
                {"--x", x, "--w", x, "--block", "8", "--board", "nosuchboard"},
                {"--x", x, "--w", x, "--block", "8", "--device", "gpu"},
        };
        Path y = dir.resolve("y.npy");
        Path stats = dir.resolve("stats.json");
        for (String[] c : cases) {
            String[] args = new String[c.length + 6];
            args[0] = "gemm";
            System.arraycopy(c, 0, args, 1, c.length);
            args[c.length + 1] = "--out";
            args[c.length + 2] = y.toString();
            args[c.length + 3] = "--stats";
            args[c.length + 4] = stats.toString();
            args[c.length + 5] = "--device=cpu";
            if (String.join(" ", c).contains("--device")) {
                args[c.length + 5] = "--trace=" + dir.resolve("t.fst");
            }
            Cli.Outcome o = run(args);
            String joined = String.join(" ", c);
            assertTrue(o.code() != 0, joined);
            assertEquals(1, o.err().strip().lines().count(), joined + " -> " + o.err());
            assertTrue(o.err().startsWith("vitforge gemm: "), o.err());
            assertFalse(o.err().contains("Exception"), o.err());
            assertFalse(Files.exists(y), joined + " left Y behind");
            assertFalse(Files.exists(stats), joined + " left STATS behind");
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }
    }
}
