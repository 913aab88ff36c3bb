package dev.vitforge.host.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

import javax.imageio.ImageIO;

import dev.vitforge.host.gemm.GemmExecutor;
import dev.vitforge.host.selector.FusedSelectorUnit;
import dev.vitforge.host.selector.SelectorUnit;
import dev.vitforge.hwgen.plan.FusedSelectorTiming;
import dev.vitforge.models.quant.SelectorDevice;
import dev.vitforge.models.quant.SelectorKernels;
import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.hwgen.plan.Board;
import dev.vitforge.hwgen.plan.ModelPlan;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.quant.IntegerVit;
import dev.vitforge.models.reference.FloatVit;
import dev.vitforge.models.reference.ForwardResult;
import dev.vitforge.models.tensor.DType;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.weights.PrunedModel;
import dev.vitforge.models.weights.PrunedModels;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vitforge run}: one image through the whole integer model. Every block's matrix product
 * (the linear layers, the attention products per head) goes through the device: {@code sim} runs it
 * on the GEMM engine planned for the card on the board (on Verilator, bit-exact), {@code cpu} on the
 * reference. Each selector step runs on the selector the plan chose: the fused selector (its stages
 * on Verilator for sim, the reference for cpu) or the selector unit (its kernels likewise, its
 * linear layers on the engine). The blocks' LayerNorm, softmax, GELU and requantisation run on the
 * host in both cases, so sim and cpu give identical logits. Cycles are the engine's plus what the
 * selectors add (measured on sim, their cycle models on cpu; the fused selector's overlap with the
 * engine by {@link FusedSelectorTiming} from the step's decisions); the host's work is not counted.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run one image through the model on a device.")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "CARD.json")
    Path model;

    static final class Input {
        @Option(names = "--image", paramLabel = "IMG.png", description = "resized to the model's size, ImageNet-normalised")
        Path image;

        @Option(names = "--pixels", paramLabel = "P.npy", description = "float32 [C x H x W], already normalised")
        Path pixels;
    }

    @ArgGroup(exclusive = true)
    Input input;

    @Option(names = "--device", defaultValue = "sim", paramLabel = "sim|cpu", description = "(default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--board", defaultValue = Board.DEFAULT, description = "board profile (default: ${DEFAULT-VALUE})")
    String board;

    @Option(names = "--json", paramLabel = "REPORT.json")
    Path json;

    @Option(names = "--calibration-images", defaultValue = "4",
            description = "synthetic images the activation scales are calibrated on (default: ${DEFAULT-VALUE})")
    int calibrationImages;

    @Override
    public Integer call() {
        if (!device.equals("sim") && !device.equals("cpu")) {
            throw new IllegalArgumentException("--device must be sim or cpu here, got '" + device
                    + "' (xdma and uio need a board attached)");
        }
        if (calibrationImages < 1) {
            throw new IllegalArgumentException("--calibration-images must be at least 1");
        }
        Board target = Board.named(board);
        PrunedModel m = PrunedModels.load(model);
        Architecture a = m.architecture();
        Float32Tensor pixels = pixels(a);

        FloatVit floatModel = new FloatVit(a, m.selectors(), m.weights()::get);
        IntegerVit vit = IntegerVit.quantize(a, m.selectors(), m.weights()::get,
                IntegerVit.calibrateSynthetic(floatModel, m.weights()::get, calibrationImages, 1));
        ModelPlan plan = ModelPlan.plan(a, m.selectors(), m.masks()::get, m.blockSize(), target);
        GemmConfig engine = plan.engine();
        boolean simulate = device.equals("sim");
        List<Map<String, Object>> operations = new ArrayList<>();
        GemmExecutor exec = new GemmExecutor(engine, simulate, operations);
        // The selector the plan chose (its RTL on sim, its cycle models on cpu): the fused selector beside the
        // engine, or the selector unit's kernels between the engine's products (which then run its linear layers).
        boolean fused = !m.selectors().isEmpty() && plan.fusedSelector();
        FusedSelectorUnit chain = fused ? new FusedSelectorUnit(plan.fusedShapes(a), a.patches(), simulate)
                .logInto(operations) : null;
        SelectorUnit unit = m.selectors().isEmpty() || fused ? null
                : new SelectorUnit(SelectorUnit.Sizes.of(a, plan.selectorLanes()), simulate).logInto(operations);
        ForwardResult result = vit.forward(pixels, exec, chain != null ? chain
                : SelectorDevice.of(exec, unit == null ? SelectorKernels.JAVA : unit));
        Map<String, Long> selectorParts = chain != null ? chain.cyclesInOrder()
                : unit != null ? unit.cyclesInOrder() : Map.of();
        long selectorWork = chain != null ? chain.totalCycles() : unit != null ? unit.totalCycles() : 0;
        // The unit's kernels run between the engine's products, so all their cycles count; the fused selector
        // runs beside the engine, so what it adds is the following qkv's delay, predicted from this image's
        // decisions (FusedSelectorTiming, which FusedChainRunTest holds equal to the RTL).
        long selectorAdded = selectorWork;
        List<Long> added = new ArrayList<>();
        if (chain != null) {
            selectorAdded = 0;
            List<boolean[]> decisions = chain.decisions();
            for (int j = 0; j < decisions.size(); j++) {
                long e = FusedSelectorTiming.predictBefore(chain.shapes(), a, m.masks()::get, m.blockSize(), engine,
                        m.selectors().get(j).beforeBlock(), decisions.get(j), j > 0).exposed();
                added.add(e);
                selectorAdded += e;
            }
        }
        long total = exec.cycles() + selectorAdded;

        float[] logits = result.logits();
        List<Integer> top5 = top(logits, 5);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", m.name());
        report.put("device", device);
        report.put("products_on", simulate ? "gemm engine (Verilator)" : "cpu reference (cycles: the engine's model)");
        report.put("selectors_on", chain != null ? (simulate ? "fused selector (Verilator)"
                : "cpu reference (cycles: the fused selector's models)") : unit == null ? "none"
                : simulate ? "selector unit (Verilator)" : "cpu reference (cycles: the selector unit's models)");
        report.put("board", target.name());
        report.put("logits", logits);
        report.put("top5", top5);
        report.put("tokens_kept", result.keptCounts());
        report.put("layers", operations);
        report.put("total_cycles", total);
        report.put("gemm_cycles", exec.cycles());
        report.put("selector_cycles", selectorAdded);
        report.put("selector_work_cycles", selectorWork);
        if (chain != null) {
            report.put("selector_work_cycles_by_stage", selectorParts);
            report.put("selector_added_cycles_by_step", added);
        } else if (unit != null) {
            report.put("selector_work_cycles_by_kernel", selectorParts);
        }
        report.put("cycles_cover", chain != null
                ? "the GEMM engine's products, plus what the fused selector beside it delays each following qkv "
                + "(predicted from the stage models and this image's decisions; its own work is selector_work_cycles); "
                + "the blocks' LayerNorm, softmax and GELU run on the host"
                : "the GEMM engine's products and the selector unit's kernels, one after another; "
                + "the blocks' LayerNorm, softmax and GELU run on the host");
        report.put("clock_mhz", target.clockMhz());
        report.put("latency_ms", total / (target.clockMhz() * 1e3));
        report.put("bytes_to_device", exec.bytesToDevice());
        report.put("bytes_from_device", exec.bytesFromDevice());
        report.put("engine", Map.of("lanes", engine.lanes(), "row_tile", engine.rowTile(), "block", engine.blockSize(),
                "multipliers", engine.multipliers()));
        if (json != null) {
            AtomicFiles.writeJson(json, report);
        }
        System.out.printf("run %s on %s (%s): %d GEMM products in %d cycles, %s %d cycles (%d of work); %d cycles = "
                        + "%.3f ms at %d MHz, tokens kept %s, top-5 %s%n", m.name(), device, target.name(),
                exec.productCount(), exec.cycles(), chain != null ? "fused selector adds" : "selector unit",
                selectorAdded, selectorWork, total, total / (target.clockMhz() * 1e3),
                target.clockMhz(), java.util.Arrays.toString(result.keptCounts()), top5);
        return 0;
    }

    private Float32Tensor pixels(Architecture a) {
        int size = a.imageSize();
        if (input != null && input.pixels != null) {
            Float32Tensor p = (Float32Tensor) Npy.read(input.pixels, DType.FLOAT32, 3);
            if (p.shape()[0] != a.inChans() || p.shape()[1] != size || p.shape()[2] != size) {
                throw new IllegalArgumentException(input.pixels + ": pixels must be [" + a.inChans() + " x " + size
                        + " x " + size + "], got " + p.shapeString());
            }
            for (float v : p.data()) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(input.pixels + ": pixels must be finite, found " + v);
                }
            }
            return p;
        }
        if (input != null && input.image != null) {
            return image(input.image, a);
        }
        // No input given: seeded standard-normal pixels (already "normalised"), so the flow runs anywhere.
        Random random = new Random(0);
        float[] data = new float[a.inChans() * size * size];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        System.out.println("run: no --image or --pixels; using seeded synthetic pixels (seed 0)");
        return new Float32Tensor(new int[] {a.inChans(), size, size}, data);
    }

    /** Bilinear resize to the model's size, then (x/255 - mean) / std per channel (ImageNet). */
    private static Float32Tensor image(Path file, Architecture a) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the image: " + e.getMessage());
        }
        if (img == null) {
            throw new IllegalArgumentException(file + ": not an image ImageIO can read (PNG, JPEG, BMP, GIF)");
        }
        if (a.inChans() != 3) {
            throw new IllegalArgumentException(file + ": images need a 3-channel model, this one has " + a.inChans());
        }
        int size = a.imageSize();
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        float[] out = new float[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double sx = Math.max(0, (x + 0.5) * img.getWidth() / size - 0.5);
                double sy = Math.max(0, (y + 0.5) * img.getHeight() / size - 0.5);
                int x0 = Math.min((int) sx, img.getWidth() - 1);
                int y0 = Math.min((int) sy, img.getHeight() - 1);
                int x1 = Math.min(x0 + 1, img.getWidth() - 1);
                int y1 = Math.min(y0 + 1, img.getHeight() - 1);
                double fx = sx - x0;
                double fy = sy - y0;
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    double v = (1 - fy) * ((1 - fx) * channel(img, x0, y0, shift) + fx * channel(img, x1, y0, shift))
                            + fy * ((1 - fx) * channel(img, x0, y1, shift) + fx * channel(img, x1, y1, shift));
                    out[c * size * size + y * size + x] = (float) ((v / 255.0 - mean[c]) / std[c]);
                }
            }
        }
        return new Float32Tensor(new int[] {3, size, size}, out);
    }

    private static int channel(BufferedImage img, int x, int y, int shift) {
        return img.getRGB(x, y) >> shift & 0xFF;
    }

    private static List<Integer> top(float[] logits, int k) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            order.add(i);
        }
        order.sort((p, q) -> Float.compare(logits[q], logits[p]) != 0 ? Float.compare(logits[q], logits[p]) : p - q);
        return order.subList(0, Math.min(k, order.size()));
    }
}
