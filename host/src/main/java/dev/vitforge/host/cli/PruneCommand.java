package dev.vitforge.host.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.BlockPruning;
import dev.vitforge.models.card.ModelCard;
import dev.vitforge.models.card.ModelCards;
import dev.vitforge.models.card.WeightsSource;
import dev.vitforge.models.prune.Allocation;
import dev.vitforge.models.prune.BlockPruner;
import dev.vitforge.models.prune.LayerChoice;
import dev.vitforge.models.prune.LayerCost;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.weights.PrunedModel;
import dev.vitforge.models.weights.PrunedModels;
import dev.vitforge.models.weights.SafeTensors;
import dev.vitforge.models.weights.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge prune}: LPViT-style post-training block pruning of a dense model to a FLOPs
 * or predicted-latency budget (see {@link dev.vitforge.models.prune}). Writes the pruned weights
 * as {@code <CARD2 stem>.safetensors} beside CARD2.json and a card that reads its masks from
 * them; both or neither.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Block-prune a dense model to a FLOPs or latency budget; writes a new card and its weights.")
final class PruneCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "CARD.json", description = "architecture and block size")
    Path model;

    @Option(names = "--weights", paramLabel = "DENSE.safetensors",
            description = "dense timm weights (default: the card's weights)")
    Path weights;

    @Option(names = "--budget", required = true, paramLabel = "SPEC",
            description = "flops=F | latency=F (fractions of dense, in (0, 1]) | latency_ms=MS (whole model, on --board)")
    String budget;

    @Option(names = "--out", required = true, paramLabel = "CARD2.json",
            description = "the pruned card; its weights go to <stem>.safetensors beside it")
    Path out;

    @Option(names = "--gradients", paramLabel = "G.safetensors",
            description = "gradients with the weights' names: scores become mean |W * g| instead of mean |W|")
    Path gradients;

    @Option(names = "--board", defaultValue = Board.DEFAULT, description = "board profile (default: ${DEFAULT-VALUE})")
    String board;

    /** What the budget limits: linear-layer FLOPs, or predicted cycles as a fraction or as milliseconds. */
    enum Kind { FLOPS, LATENCY, LATENCY_MS }

    record Budget(Kind kind, double value, String spelling) {
        private static final Pattern SPEC = Pattern.compile("(flops|latency|latency_ms)=(.+)");

        static Budget parse(String spec) {
            Matcher m = SPEC.matcher(spec.trim());
            String expected = "expected flops=F or latency=F (a fraction of dense in (0, 1]) or latency_ms=MS";
            if (!m.matches()) {
                throw new IllegalArgumentException("--budget '" + spec + "': " + expected);
            }
            double value;
            try {
                value = Double.parseDouble(m.group(2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--budget '" + spec + "': '" + m.group(2) + "' is not a number; "
                        + expected);
            }
            Kind kind = Kind.valueOf(m.group(1).toUpperCase(Locale.ROOT));
            if (kind == Kind.LATENCY_MS ? !(value > 0 && value < Double.POSITIVE_INFINITY) : !(value > 0 && value <= 1)) {
                throw new IllegalArgumentException("--budget '" + spec + "': " + (kind == Kind.LATENCY_MS
                        ? "milliseconds must be positive and finite" : "the fraction must be in (0, 1]"));
            }
            return new Budget(kind, value, spec.trim());
        }
    }

    @Override
    public Integer call() {
        Budget spec = Budget.parse(budget);
        Board target = Board.named(board);
        Path cardOut = out.toAbsolutePath();
        if (cardOut.getParent() == null || !Files.isDirectory(cardOut.getParent())) {
            throw new IllegalArgumentException(out + ": the directory to write into does not exist");
        }
        String stem = cardOut.getFileName().toString().replaceFirst("\\.json$", "");
        Path weightsOut = cardOut.resolveSibling(stem + ".safetensors");

        // Never write over an input: the weights, the gradients or the card itself.
        for (Path input : new Path[] {model, weights, gradients}) {
            if (input != null && (input.toAbsolutePath().normalize().equals(weightsOut.normalize())
                    || input.toAbsolutePath().normalize().equals(cardOut.normalize()))) {
                throw new IllegalArgumentException(out + ": would overwrite the input " + input
                        + "; choose another --out");
            }
        }
        ModelCard card = ModelCards.load(model);
        Architecture a = card.architecture();
        int blockSize = card.blockPruning().blockSize();
        if (weights != null) {
            // The given file replaces the card's weights; its zeros, if any, are the only masks.
            card = new ModelCard(card.name(), a, new WeightsSource.File(weights.toAbsolutePath().toString()),
                    BlockPruning.fromWeights(blockSize), card.selectors());
        }
        if (card.weights() instanceof WeightsSource.File f
                && model.toAbsolutePath().resolveSibling(f.path()).normalize().equals(weightsOut.normalize())) {
            throw new IllegalArgumentException(out + ": would overwrite the card's weights " + f.path()
                    + "; choose another --out");
        }
        PrunedModel dense = PrunedModels.resolve(card, model);
        Weights g = gradients == null ? null : SafeTensors.read(gradients);

        LayerCost cost;
        double fraction;
        LatencyCost latency = null;
        if (spec.kind() == Kind.FLOPS) {
            cost = LayerCost.flops(blockSize, a.tokens());
            fraction = spec.value();
        } else {
            latency = LatencyCost.plan(a, card.selectors(), blockSize, target);
            cost = latency;
            fraction = spec.kind() == Kind.LATENCY ? spec.value() : latency.fractionFor(spec.value(), spec.spelling());
        }
        BlockPruner.Result result;
        try {
            result = BlockPruner.prune(a, blockSize, dense.weights(), g, cost, fraction);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--budget " + spec.spelling() + ": " + e.getMessage(), e);
        }
        Allocation alloc = result.allocation();
        ModelCard pruned = new ModelCard(stem.isBlank() ? card.name() + "-pruned" : stem, a,
                new WeightsSource.File(weightsOut.getFileName().toString()), BlockPruning.fromWeights(blockSize),
                card.selectors());

        // The report first (it can still fail), then the outputs, weights first: a card never
        // points at weights that are not there, and a failed card write removes the weights.
        report(card.name(), spec, alloc, latency, result.weights(), blockSize, a);
        SafeTensors.write(weightsOut, result.weights());
        try {
            ModelCards.write(cardOut, pruned);
        } catch (RuntimeException e) {
            AtomicFiles.deleteQuietly(weightsOut);
            throw e;
        }
        System.out.printf("wrote %s and %s%n", out, weightsOut.getFileName());
        return 0;
    }

    private static void report(String name, Budget spec, Allocation alloc, LatencyCost latency, Weights pruned,
                               int blockSize, Architecture a) {
        String unit = latency == null ? "MACs" : "cycles";
        System.out.printf("%s: block %d, %s (%s)%n%n", name, blockSize, spec.spelling(), latency == null
                ? "linear-layer MACs at " + a.tokens() + " tokens"
                : "predicted cycles on " + latency.board().name() + "'s dense-model engine, " + latency.engine().lanes()
                + " lane(s) x " + latency.engine().rowTile() + " x " + blockSize);
        System.out.printf("  %-20s %11s %8s %14s %14s%n", "layer", "kept/total", "density", "dense " + unit,
                "pruned " + unit);
        int zeroKept = 0;
        for (LayerChoice c : alloc.layers()) {
            System.out.printf("  %-20s %11s %8.3f %14.0f %14.0f%n", c.layer(), c.keptBlocks() + "/" + c.totalBlocks(),
                    c.density(), c.denseCost(), c.cost());
            BlockMask written = PrunedModels.fromWeights(pruned.get(c.layer() + ".weight"), blockSize);
            zeroKept += c.keptBlocks() - written.nonzeroBlocks();
        }
        System.out.printf("  %-20s %11s %8s %14.0f %14.0f%n", "total", "", "", alloc.denseCost(), alloc.cost());
        System.out.printf("%nachieved %.4f of the dense %s (budget %.4f, %+.4f)%n", alloc.achievedFraction(),
                latency == null ? "linear-layer FLOPs" : "pruned layers' cycles", alloc.budgetFraction(),
                alloc.achievedFraction() - alloc.budgetFraction());
        if (latency != null) {
            double before = latency.densePrunedCycles() + latency.fixedCycles();
            double after = alloc.cost() + latency.fixedCycles();
            System.out.printf("whole model: %.0f -> %.0f predicted GEMM cycles, %.4f -> %.4f ms at %d MHz%n", before,
                    after, latency.ms(before), latency.ms(after), latency.board().clockMhz());
        }
        if (zeroKept > 0) {
            System.out.printf("note: %d kept block(s) hold only zeros in the dense weights and read as pruned%n",
                    zeroKept);
        }
    }
}
