package dev.vitforge.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.BlockPruning;
import dev.vitforge.models.card.MaskSource;
import dev.vitforge.models.card.ModelCard;
import dev.vitforge.models.card.ModelCards;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.WeightsSource;
import dev.vitforge.models.prune.BlockPruner;
import dev.vitforge.models.prune.LayerCost;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.weights.PrunedModel;
import dev.vitforge.models.weights.PrunedModels;
import dev.vitforge.models.weights.SafeTensors;
import dev.vitforge.models.weights.SafeTensorsDType;
import dev.vitforge.models.weights.SyntheticWeights;
import dev.vitforge.models.weights.Weights;

/** The prune command's contract: budgets met, a card and weights that round-trip, one line and nothing written on bad input. */
class PruneCommandTest {
    private static final Architecture SMALL = new Architecture("deit", 64, 2, 2, 4.0, 8, 32, 3, 10);
    private static final int B = 16;
    private static final Weights DENSE = SyntheticWeights.generate(SMALL, List.of(), 7, B, 1.0);

    @TempDir
    Path dir;
    Path card;
    Path weights;
    Path outDir;

    private record Outcome(int code, String err) {}

    private Outcome run(String... args) {
        PrintStream savedErr = System.err;
        PrintStream savedOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            return new Outcome(Main.run(args), err.toString());
        } finally {
            System.setErr(savedErr);
            System.setOut(savedOut);
        }
    }

    @BeforeEach
    void writeDenseModel() throws IOException {
        weights = dir.resolve("dense.safetensors");
        SafeTensors.write(weights, DENSE);
        card = dir.resolve("small.json");
        ModelCards.write(card, new ModelCard("small", SMALL, new WeightsSource.File("dense.safetensors"),
                BlockPruning.fromWeights(B), List.of()));
        outDir = Files.createDirectory(dir.resolve("out"));
    }

    private Outcome prune(String budget, String... extra) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", card.toString(), "--weights", weights.toString(),
                "--budget", budget, "--out", outDir.resolve("p.json").toString()));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    private static void assertFloors(PrunedModel m) {
        for (BlockMask mask : m.masks().values()) {
            int total = mask.outputBlocks() * mask.inputBlocks();
            assertTrue(mask.nonzeroBlocks() >= Math.max(1, Math.ceil(0.05 * total)), mask.toString());
        }
    }

    @Test
    void flopsBudgetIsMetAndTheCardRoundTrips() {
        Outcome o = prune("flops=0.5");
        assertEquals(0, o.code(), o.err());
        PrunedModel m = PrunedModels.load(outDir.resolve("p.json"));
        assertEquals(new WeightsSource.File("p.safetensors"), m.card().weights());
        assertInstanceOf(MaskSource.FromWeights.class, m.card().blockPruning().masks());
        assertTrue(m.card().blockPruning().density().isEmpty());
        // Same inputs, same choice: the masks read back from the weights are exactly the chosen ones.
        Map<String, BlockMask> chosen = BlockPruner.prune(SMALL, B, DENSE, null, LayerCost.flops(B, SMALL.tokens()), 0.5)
                .allocation().masks();
        assertEquals(chosen, m.masks());
        // FLOPs per block are uniform, so the achieved fraction is the kept-block fraction.
        double achieved = m.density();
        assertTrue(achieved <= 0.5 && achieved >= 0.49, "achieved " + achieved);
        assertFloors(m);
        assertEquals(DENSE.get("head.weight"), m.weight("head.weight"));
    }

    @Test
    void latencyBudgetsAreMetOnThePredictedCycles() {
        LatencyCost cycles = LatencyCost.plan(SMALL, List.of(), B, Board.named(Board.DEFAULT));
        for (double budget : new double[] {0.6, 0.8}) {
            Outcome o = prune("latency=" + budget);
            assertEquals(0, o.code(), o.err());
            PrunedModel m = PrunedModels.load(outDir.resolve("p.json"));
            double achieved = prunedCycles(cycles, m) / cycles.densePrunedCycles();
            assertTrue(achieved <= budget + 1e-9 && achieved >= budget - 0.01, budget + ": achieved " + achieved);
            assertFloors(m);
        }
    }

    @Test
    void absoluteLatencyIsMetForTheWholeModel() {
        LatencyCost cycles = LatencyCost.plan(SMALL, List.of(), B, Board.named("zcu104"));
        double targetMs = 0.8 * cycles.denseMs();
        Outcome o = prune("latency_ms=" + targetMs, "--board", "zcu104");
        assertEquals(0, o.code(), o.err());
        PrunedModel m = PrunedModels.load(outDir.resolve("p.json"));
        double ms = cycles.ms(cycles.fixedCycles() + prunedCycles(cycles, m));
        assertTrue(ms <= targetMs + 1e-12 && ms >= targetMs - 0.01 * cycles.ms(cycles.densePrunedCycles()),
                "predicted " + ms + " ms for a target of " + targetMs);
    }

    private static double prunedCycles(LatencyCost cycles, PrunedModel m) {
        double sum = 0;
        for (Map.Entry<String, BlockMask> e : m.masks().entrySet()) {
            sum += cycles.cost(e.getKey(), e.getValue().nonzeroBlocks(), e.getValue());
        }
        return sum;
    }

    @Test
    void gradientsChangeTheChoice() {
        Map<String, Float32Tensor> g = new HashMap<>();
        for (PrunedLayer l : PrunedLayer.all(SMALL)) {
            float[] w = DENSE.get(l.weightName()).data();
            for (int i = 0; i < w.length; i++) {
                w[i] = 1f / (Math.abs(w[i]) + 1e-3f); // large where |W| is small
            }
            g.put(l.weightName(), new Float32Tensor(new int[] {l.outFeatures(), l.inFeatures()}, w));
        }
        Path grads = dir.resolve("g.safetensors");
        SafeTensors.write(grads, new Weights("g", g));
        assertEquals(0, prune("flops=0.5").code());
        Map<String, BlockMask> plain = PrunedModels.load(outDir.resolve("p.json")).masks();
        Outcome o = prune("flops=0.5", "--gradients", grads.toString());
        assertEquals(0, o.code(), o.err());
        assertNotEquals(plain, PrunedModels.load(outDir.resolve("p.json")).masks());
    }

    private void assertRefused(Outcome o, String... mentions) throws IOException {
        assertNotEquals(0, o.code());
        String err = o.err().strip();
        assertTrue(err.startsWith("vitforge prune: "), err);
        assertFalse(err.contains("\n"), "one line: " + err);
        for (String s : mentions) {
            assertTrue(err.contains(s), "'" + err + "' should mention " + s);
        }
        try (Stream<Path> left = Files.list(outDir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void badBudgetsBoardsAndFilesAreOneLineAndWriteNothing() throws IOException {
        for (String bad : new String[] {"flops", "flops=abc", "speed=0.5", "flops=0", "flops=1.5", "latency=NaN",
            "latency=-0.2", "latency_ms=0", "latency_ms=inf"}) {
            assertRefused(prune(bad), "--budget");
        }
        assertRefused(prune("flops=0.01"), "cannot be met");
        assertRefused(prune("latency=0.2"), "cannot be met");
        assertRefused(prune("latency_ms=1000"), "nothing to prune");
        assertRefused(prune("latency_ms=0.000001"), "alone take");
        assertRefused(prune("flops=0.5", "--board", "nosuch"), "unknown board 'nosuch'");
        assertRefused(run("prune", "--model", dir.resolve("nope.json").toString(), "--budget", "flops=0.5", "--out",
                outDir.resolve("p.json").toString()), "nope.json");
        assertRefused(run("prune", "--model", card.toString(), "--weights", dir.resolve("nope.safetensors").toString(),
                "--budget", "flops=0.5", "--out", outDir.resolve("p.json").toString()), "nope.safetensors");
        assertRefused(prune("flops=0.5", "--gradients", dir.resolve("g-missing.safetensors").toString()),
                "g-missing.safetensors");
        assertRefused(run("prune", "--model", card.toString(), "--budget", "flops=0.5", "--out",
                dir.resolve("no/dir/p.json").toString()), "does not exist");
    }

    @Test
    void inconsistentShapesNanWeightsAndIncompleteGradientsAreRefused() throws IOException {
        Weights wrongShape = DENSE.with(Map.of("blocks.1.mlp.fc1.weight", Float32Tensor.zeros(64, 256)));
        SafeTensors.write(weights, wrongShape);
        assertRefused(prune("flops=0.5"), weights.toString(), "blocks.1.mlp.fc1.weight");

        // SafeTensors.write refuses NaN, so plant one by patching a sentinel's bytes.
        float[] ln = DENSE.get("blocks.0.norm1.weight").data();
        ln[0] = 1234.5f;
        byte[] bytes = SafeTensors.encode(DENSE.with(Map.of("blocks.0.norm1.weight", Float32Tensor.vector(ln))).tensors(),
                Map.of(), SafeTensorsDType.F32, "nan");
        byte[] sentinel = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1234.5f).array();
        byte[] nan = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).array();
        int at = indexOf(bytes, sentinel);
        System.arraycopy(nan, 0, bytes, at, 4);
        Files.write(weights, bytes);
        assertRefused(prune("flops=0.5"), weights.toString(), "NaN");

        SafeTensors.write(weights, DENSE);
        Path grads = dir.resolve("g.safetensors");
        SafeTensors.write(grads, new Weights("g", Map.of("blocks.0.attn.qkv.weight", Float32Tensor.zeros(192, 64))));
        assertRefused(prune("flops=0.5", "--gradients", grads.toString()), grads.toString(), "blocks.0.attn.proj.weight");
    }

    @Test
    void aCardThatCannotBeWrittenTakesItsWeightsWithIt() throws IOException {
        Path blocked = Files.createDirectories(outDir.resolve("p.json"));
        Files.writeString(blocked.resolve("keep"), "x"); // a non-empty directory cannot be replaced by the card
        Outcome o = prune("flops=0.5");
        assertNotEquals(0, o.code());
        assertTrue(o.err().startsWith("vitforge prune: ") && o.err().contains("p.json"), o.err());
        assertFalse(Files.exists(outDir.resolve("p.safetensors")));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("sentinel not found");
    }
}
