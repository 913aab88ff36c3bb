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
import dev.vitforge.host.selector.SelectorUnit;
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
 * {@code ./vitforge run}: one image through the whole integer model. Every matrix product (the
 * linear layers, the attention products per head, the selectors' linear layers) goes through
 * the device: {@code sim} runs it on the GEMM engine planned for the card on the board (on
 * Verilator, bit-exact), {@code cpu} on the reference; the selectors' non-linear work runs on the
 * selector unit's kernels (on Verilator for sim, the reference for cpu). The blocks' LayerNorm,
 * softmax, GELU and requantisation run on the host in both cases, so sim and cpu give identical
 * logits. Cycles are the engine's and the unit's (measured on sim, their cycle models on cpu);
 * the host's work is not counted.
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
        // The selectors' non-linear kernels on the selector unit (its RTL on sim, its cycle models on cpu).
        SelectorUnit unit = m.selectors().isEmpty() ? null
                : new SelectorUnit(SelectorUnit.Sizes.of(a, plan.selectorLanes()), simulate).logInto(operations);
        ForwardResult result = vit.forward(pixels, exec, unit == null ? SelectorKernels.JAVA : unit);
        long unitCycles = unit == null ? 0 : unit.totalCycles();
        long total = exec.cycles() + unitCycles;

        float[] logits = result.logits();
        List<Integer> top5 = top(logits, 5);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", m.name());
        report.put("device", device);
        report.put("products_on", simulate ? "gemm engine (Verilator)" : "cpu reference (cycles: the engine's model)");
        report.put("selectors_on", unit == null ? "none" : simulate ? "selector unit (Verilator)"
                : "cpu reference (cycles: the selector unit's models)");
        report.put("board", target.name());
        report.put("logits", logits);
        report.put("top5", top5);
        report.put("tokens_kept", result.keptCounts());
        report.put("layers", operations);
        report.put("total_cycles", total);
        report.put("gemm_cycles", exec.cycles());
        report.put("selector_unit_cycles", unitCycles);
        if (unit != null) {
            report.put("selector_unit_cycles_by_kernel", unit.cyclesInOrder());
        }
        report.put("cycles_cover", "the GEMM engine's products and the selector unit's kernels, one after another; "
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
        System.out.printf("run %s on %s (%s): %d GEMM products in %d cycles, selector unit %d cycles; %d cycles = %.3f ms "
                        + "at %d MHz, tokens kept %s, top-5 %s%n", m.name(), device, target.name(),
                exec.productCount(), exec.cycles(), unitCycles, total, total / (target.clockMhz() * 1e3),
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
