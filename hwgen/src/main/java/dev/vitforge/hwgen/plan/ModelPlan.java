package dev.vitforge.hwgen.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.gemm.GemmCycleModel;
import dev.vitforge.hwgen.gemm.GemmSchedule;
import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.SelectorCycles;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.sparse.BlockMask;

/**
 * The hardware plan of a whole model on a board: one GEMM engine sized for every matrix product
 * of the forward pass (sized for the worst-case token count), and per product the expected
 * token count after the selectors, the cycles the engine's model predicts, and the bytes that
 * stream. Weights stream for every row tile (nothing but the X tile stays on chip), so a
 * layer's weight traffic is its non-zero blocks times the tiles.
 */
public record ModelPlan(Board board, GemmConfig engine, List<LayerPlan> layers, int[] tokensPerBlock,
                        List<SelectorStage> selectorStages, boolean fusedSelector, int selectorLanes,
                        String selectorReason) {

    /** {@code fixedLanes} for {@link #plan(Architecture, List, Function, int, Board, GemmConfig, int)}: the fused selector at L lanes. */
    public static int fused(int lanes) {
        return -lanes;
    }

    /**
     * One selector step: the patch tokens it scores, the cycles of its parts (the fused selector's stages,
     * or the selector unit's kernels) and what it adds to the image's cycles: the unit's kernels run
     * between the engine's products, so all of them; the fused selector runs beside the engine, so the
     * delay it causes the following qkv ({@link FusedSelectorTiming}).
     */
    public record SelectorStage(String name, int beforeBlock, int patches, Map<String, Long> cycles, long cost) {
        public long total() {
            return cycles.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** What the selectors add to an image's cycles (the unit's linear layers are in {@link #layers}). */
    public long predictedSelectorCycles() {
        return selectorStages.stream().mapToLong(SelectorStage::cost).sum();
    }

    /** The selector choice as {@link #plan(Architecture, List, Function, int, Board, GemmConfig, int)} takes it. */
    public int selectorChoice() {
        return fusedSelector ? fused(selectorLanes) : selectorLanes;
    }

    /** The chosen selector's resource estimate (nothing without selectors). */
    public ResourceEstimate selectorResources(Architecture a) {
        if (selectorStages.isEmpty()) {
            return new ResourceEstimate(0, 0, 0, 0);
        }
        return fusedSelector ? ResourceEstimate.fusedSelector(fusedShapes(a))
                : ResourceEstimate.selectorUnit(selectorLanes);
    }

    /** The fused selector's shapes, when the plan chose it. */
    public FusedSelector.Shapes fusedShapes(Architecture a) {
        if (!fusedSelector) {
            throw new IllegalStateException("the plan chose the selector unit, not the fused selector");
        }
        return FusedSelector.Shapes.of(a.embedDim(), a.numHeads(), selectorLanes);
    }

    /** GEMM engine and selectors: the cycles of one image. */
    public long predictedCycles() {
        return predictedGemmCycles() + predictedSelectorCycles();
    }

    /** One matrix product: Y[m x n] = X[m x k] W^T, {@code count} times (once per head for attention). */
    public record LayerPlan(String name, int m, int k, int n, int count, int nonzeroBlocks, int totalBlocks,
                            long usefulMacs, long cycles, long weightBytes, long activationBytes) {
        public double density() {
            return totalBlocks == 0 ? 1.0 : (double) nonzeroBlocks / totalBlocks;
        }
    }

    public long predictedGemmCycles() {
        return layers.stream().mapToLong(l -> l.cycles() * l.count()).sum();
    }

    public long usefulMacs() {
        return layers.stream().mapToLong(l -> l.usefulMacs() * l.count()).sum();
    }

    public double latencyMs() {
        return predictedCycles() / (board.clockMhz() * 1e3);
    }

    /**
     * Expected tokens entering each block: 197 for DeiT until the first selector, then CLS, the
     * kept patches (keep ratio of all patches, rounded) and the package token.
     */
    public static int[] tokens(Architecture a, List<Selector> selectors) {
        int[] tokens = new int[a.depth()];
        int current = a.tokens();
        for (int i = 0; i < a.depth(); i++) {
            for (Selector s : selectors) {
                if (s.beforeBlock() == i) {
                    current = 1 + (int) Math.round(s.keepRatio() * a.patches()) + 1;
                }
            }
            tokens[i] = current;
        }
        return tokens;
    }

    /** How a product's sizes follow the token count: rows, and for attention also its n or k. */
    private enum Tokens { NONE, ROWS, ROWS_AND_N, ROWS_AND_K, SELECTOR }

    private record Product(String name, int m, int k, int n, int count, BlockMask mask, Tokens tokens) {}

    public static ModelPlan plan(Architecture a, List<Selector> selectors, Function<String, BlockMask> masks,
                                 int blockSize, Board board) {
        return plan(a, selectors, masks, blockSize, board, null, 0);
    }

    /**
     * As above, on a given engine and selector (null and 0: choose them; {@link #fused}(L): the fused selector
     * at L lanes, otherwise the selector unit's lanes); the keep-ratio search holds both fixed.
     */
    public static ModelPlan plan(Architecture a, List<Selector> selectors, Function<String, BlockMask> masks,
                                 int blockSize, Board board, GemmConfig fixedEngine, int fixedLanes) {
        int[] tokens = tokens(a, selectors);
        int worst = a.tokens() + (selectors.isEmpty() ? 0 : 1);
        int d = a.embedDim();
        int hd = a.headDim();
        int patchK = a.inChans() * a.patchSize() * a.patchSize();
        List<Product> products = new ArrayList<>();
        List<StageAt> stages = new ArrayList<>();
        products.add(new Product("patch_embed.proj", a.patches(), patchK, d, 1, BlockMask.full(blockSize, d, patchK),
                Tokens.NONE));
        for (int i = 0; i < a.depth(); i++) {
            int t = tokens[i];
            String b = "blocks." + i + ".";
            int selector = selectorBefore(selectors, i);
            if (selector >= 0) {
                // On the selector unit, the selector's linear layers run on the GEMM engine (as HeatViT's
                // do): every head's rows of the patch tokens entering it form one product of n x H rows.
                int n = (i == 0 ? a.tokens() : tokens[i - 1]) - 1 - (selector > 0 ? 1 : 0);
                int h = a.numHeads();
                int g = Math.max(1, h / 2);
                String s = "selectors." + selector + ".";
                stages.add(new StageAt("selectors." + selector, i, n, Math.min(n, t - 2), selector > 0));
                products.add(dense(s + "in_proj", n * h, hd, hd, blockSize, Tokens.SELECTOR));
                // mlp.0 splits: u's local half per head row, the global half (one per head) once per head.
                products.add(dense(s + "mlp.0", n * h, hd / 2, hd / 2, blockSize, Tokens.SELECTOR));
                products.add(dense(s + "mlp.0.global", h, hd - hd / 2, hd / 2, blockSize, Tokens.NONE));
                products.add(dense(s + "mlp.1", n * h, hd / 2, Math.max(1, hd / 4), blockSize, Tokens.SELECTOR));
                products.add(dense(s + "mlp.2", n * h, Math.max(1, hd / 4), 2, blockSize, Tokens.SELECTOR));
                products.add(dense(s + "head_gate.0", n, h, g, blockSize, Tokens.SELECTOR));
                products.add(dense(s + "head_gate.1", n, g, h, blockSize, Tokens.SELECTOR));
            }
            products.add(linear(masks, b + "attn.qkv", t, d, 3 * d, blockSize));
            products.add(new Product(b + "attn.q@k", t, hd, t, a.numHeads(), BlockMask.full(blockSize, t, hd),
                    Tokens.ROWS_AND_N));
            products.add(new Product(b + "attn.a@v", t, t, hd, a.numHeads(), BlockMask.full(blockSize, hd, t),
                    Tokens.ROWS_AND_K));
            products.add(linear(masks, b + "attn.proj", t, d, d, blockSize));
            products.add(linear(masks, b + "mlp.fc1", t, d, a.hiddenDim(), blockSize));
            products.add(linear(masks, b + "mlp.fc2", t, a.hiddenDim(), d, blockSize));
        }
        products.add(new Product("head", 1, d, a.numClasses(), 1, BlockMask.full(blockSize, a.numClasses(), d),
                Tokens.NONE));

        // Size the engine for the worst case: every token kept (and the package token present).
        List<GemmLayer> sizing = new ArrayList<>();
        for (Product p : products) {
            // Worst case: every token kept; a selector scores every patch (times the heads for its per-head layers).
            int m = switch (p.tokens()) {
                case NONE -> p.m();
                case SELECTOR -> p.name().contains("head_gate") ? a.patches() : a.patches() * a.numHeads();
                default -> worst;
            };
            int n = p.tokens() == Tokens.ROWS_AND_N ? worst : p.n();
            int k = p.tokens() == Tokens.ROWS_AND_K ? worst : p.k();
            BlockMask mask = p.tokens() == Tokens.ROWS_AND_N || p.tokens() == Tokens.ROWS_AND_K
                    ? BlockMask.full(blockSize, n, k) : p.mask();
            sizing.add(new GemmLayer(p.name(), m, k, n, mask));
        }
        // The selector and the engine share the device. Candidates: the fused selector (when D and H have
        // one) beside an engine sized for the blocks alone, and the selector unit at each lane count it can
        // have (16 and halvings that divide d) with its linear layers on the engine; each leaves the engine
        // the rest of the budget. The candidate that fits and predicts the fewest cycles wins (with nothing
        // fitting, the first tried, and plan says it does not fit).
        Sized chosen = null;
        List<String> tried = new ArrayList<>();
        List<Product> blocks = products.stream().filter(p -> !p.name().startsWith("selectors.")).toList();
        List<GemmLayer> blockSizing = sizing.stream().filter(l -> !l.name().startsWith("selectors.")).toList();
        for (int fusedLanes : FusedSelector.LANES) {
            if (stages.isEmpty() || !FusedSelector.Shapes.exist(d, a.numHeads(), fusedLanes)
                    || (fixedLanes != 0 && fixedLanes != fused(fusedLanes))) {
                continue;
            }
            ResourceEstimate chain = ResourceEstimate.fusedSelector(FusedSelector.Shapes.of(d, a.numHeads(), fusedLanes));
            GemmConfig engine = fixedEngine != null ? fixedEngine : GemmPlanner.plan(blockSizing, board.reserve(chain));
            Sized s = sized(blocks, stages, engine, fused(fusedLanes),
                    ResourceEstimate.of(engine).plus(chain).fits(board), a, masks, blockSize);
            tried.add("fused at " + fusedLanes + " lanes: " + (s.fits() ? "" : "does not fit, ") + s.cycles() + " cycles");
            chosen = better(s, chosen);
        }
        if (fixedLanes < 0 && chosen == null && !stages.isEmpty()) {
            throw new IllegalArgumentException("no fused selector at " + -fixedLanes + " lanes for D = " + d + ", H = "
                    + a.numHeads());
        }
        int maxLanes = stages.isEmpty() ? 0 : SelectorCycles.lanes(hd);
        for (int lanes = fixedLanes > 0 ? fixedLanes : maxLanes; fixedLanes >= 0 || stages.isEmpty(); lanes /= 2) {
            ResourceEstimate unit = lanes == 0 ? new ResourceEstimate(0, 0, 0, 0) : ResourceEstimate.selectorUnit(lanes);
            GemmConfig engine = fixedEngine != null ? fixedEngine : GemmPlanner.plan(sizing, board.reserve(unit));
            Sized s = sized(products, stages, engine, lanes, ResourceEstimate.of(engine).plus(unit).fits(board), a,
                    masks, blockSize);
            if (lanes > 0) {
                tried.add("unit at " + lanes + " lanes: " + (s.fits() ? "" : "does not fit, ") + s.cycles() + " cycles");
            }
            chosen = better(s, chosen);
            if (lanes <= 1 || fixedLanes > 0 || fixedEngine != null) {
                break;
            }
        }
        String reason = maxLanes == 0 ? "no selectors" : fixedLanes != 0 || fixedEngine != null
                ? "held fixed" : "the fewest predicted cycles that fit the board beside the engine sized for the rest: "
                + String.join("; ", tried);
        return new ModelPlan(board, chosen.engine(), chosen.layers(), tokens, chosen.stages(),
                chosen.lanes() < 0, Math.abs(chosen.lanes()), reason);
    }

    /** {@code s} if it fits and beats {@code chosen} (or nothing is chosen yet, or only {@code s} fits). */
    private static Sized better(Sized s, Sized chosen) {
        return chosen == null || (s.fits() && (!chosen.fits() || s.cycles() < chosen.cycles())) ? s : chosen;
    }

    /**
     * A selector step before it is costed: where it runs, how many patch tokens it scores and keeps, and
     * whether a package token comes in with them.
     */
    private record StageAt(String name, int beforeBlock, int patches, int kept, boolean hasPackage) {}

    /** One candidate: the engine, its products, the selector steps at {@code lanes}, their sum, whether both fit. */
    private record Sized(GemmConfig engine, List<LayerPlan> layers, List<SelectorStage> stages, int lanes,
                         long cycles, boolean fits) {}

    /** Every product's cycles on {@code engine} and every selector step's at {@code lanes} (negative: fused). */
    private static Sized sized(List<Product> products, List<StageAt> stages, GemmConfig engine, int lanes,
                               boolean fits, Architecture a, Function<String, BlockMask> masks, int blockSize) {
        List<LayerPlan> plans = new ArrayList<>();
        long total = 0;
        for (Product p : products) {
            int[] beats = GemmCycleModel.beatsPerColumn(p.mask(), p.k());
            long cycles = GemmCycleModel.cycles(engine, GemmSchedule.balance(beats, engine.lanes()), beats, p.m(), p.k());
            long weightBytes = (long) p.mask().nonzeroBlocks() * blockSize * blockSize * engine.tiles(p.m());
            long activationBytes = (long) engine.tiles(p.m()) * engine.rowTile() * p.k() + 4L * p.m() * p.n();
            plans.add(new LayerPlan(p.name(), p.m(), p.k(), p.n(), p.count(), p.mask().nonzeroBlocks(),
                    p.mask().outputBlocks() * p.mask().inputBlocks(), p.mask().usefulMacs(p.m(), p.n(), p.k()), cycles,
                    weightBytes, activationBytes));
            total += cycles * p.count();
        }
        List<SelectorStage> sized = new ArrayList<>();
        for (StageAt st : stages) {
            SelectorStage s;
            if (lanes < 0) {
                FusedSelector.Shapes shapes = FusedSelector.Shapes.of(a.embedDim(), a.numHeads(), -lanes);
                long exposed = FusedSelectorTiming.predictBefore(shapes, a, masks, blockSize, engine, st.beforeBlock(),
                        FusedSelectorTiming.spread(st.patches(), st.kept()), st.hasPackage()).exposed();
                s = new SelectorStage(st.name(), st.beforeBlock(), st.patches(),
                        FusedSelector.stageCycles(shapes, st.patches()), exposed);
            } else {
                s = new SelectorStage(st.name(), st.beforeBlock(), st.patches(),
                        SelectorCycles.step(a.embedDim(), a.numHeads(), st.patches(), lanes),
                        SelectorCycles.total(a.embedDim(), a.numHeads(), st.patches(), lanes));
            }
            sized.add(s);
            total += s.cost();
        }
        return new Sized(engine, plans, List.copyOf(sized), lanes, total, fits);
    }

    private static int selectorBefore(List<Selector> selectors, int block) {
        for (int j = 0; j < selectors.size(); j++) {
            if (selectors.get(j).beforeBlock() == block) {
                return j;
            }
        }
        return -1;
    }

    private static Product dense(String name, int m, int k, int n, int blockSize, Tokens tokens) {
        return new Product(name, m, k, n, 1, BlockMask.full(blockSize, n, k), tokens);
    }

    private static Product linear(Function<String, BlockMask> masks, String name, int m, int k, int n, int blockSize) {
        return new Product(name, m, k, n, 1, maskOrDense(masks, name, blockSize, n, k), Tokens.ROWS);
    }

    /** The layer's mask, or all n x k blocks when the card has none for it. */
    static BlockMask maskOrDense(Function<String, BlockMask> masks, String name, int blockSize, int n, int k) {
        BlockMask mask = masks.apply(name);
        return mask == null ? BlockMask.full(blockSize, n, k) : mask;
    }
}
