package dev.vitforge.models.weights;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.MaskSource;
import dev.vitforge.models.card.ModelCard;
import dev.vitforge.models.card.ModelCards;
import dev.vitforge.models.card.PrunedLayer;
import dev.vitforge.models.card.WeightsSource;
import dev.vitforge.models.sparse.BlockMask;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Npy;
import dev.vitforge.models.tensor.Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resolves a {@link ModelCard} into a {@link PrunedModel}: loads or generates the weights, checks
 * every tensor the architecture needs (missing or misshapen ones are errors, extra ones are
 * kept), and builds the block masks — read from the weights or from the card's {@code .npy}
 * files, in which case the masked-out blocks of the weights are zeroed so weights and masks agree.
 */
public final class PrunedModels {

    private PrunedModels() {
    }

    /** Loads a card file and resolves it; relative paths in the card are relative to its directory. */
    public static PrunedModel load(Path cardFile) {
        return resolve(ModelCards.load(cardFile), cardFile);
    }

    /** Resolves a card read from {@code cardFile} (which names it in errors and anchors its relative paths). */
    public static PrunedModel resolve(ModelCard card, Path cardFile) {
        Path base = cardFile.getParent() == null ? Path.of("") : cardFile.getParent();
        Architecture a = card.architecture();
        int blockSize = card.blockPruning().blockSize();
        MaskSource maskSource = card.blockPruning().masks();
        Weights weights;
        if (card.weights() instanceof WeightsSource.Synthetic s) {
            // With .npy masks the synthetic weights start dense and the masks below prune them.
            double density = maskSource instanceof MaskSource.Files ? 1 : card.blockPruning().densityOrDense();
            weights = SyntheticWeights.generate(a, card.selectors(), s.seed(), blockSize, density);
        } else {
            weights = SafeTensors.read(base.resolve(((WeightsSource.File) card.weights()).path()));
        }
        checkShapes(weights, card, cardFile.toString());

        Map<String, BlockMask> masks = new LinkedHashMap<>();
        Map<String, Float32Tensor> zeroed = new LinkedHashMap<>();
        for (PrunedLayer layer : card.prunedLayers()) {
            Float32Tensor w = weights.get(layer.weightName());
            BlockMask mask;
            if (maskSource instanceof MaskSource.Files files) {
                String path = files.paths().get(layer.name());
                if (path == null) {
                    mask = BlockMask.full(blockSize, layer.outFeatures(), layer.inFeatures());
                } else {
                    Path file = base.resolve(path);
                    Tensor t = Npy.read(file);
                    mask = BlockMask.fromTensor(t, blockSize, layer.outFeatures(), layer.inFeatures(), file.toString());
                    float[] data = w.data();
                    mask.zeroPruned(data, layer.outFeatures(), layer.inFeatures());
                    zeroed.put(layer.weightName(), new Float32Tensor(w.shape(), data));
                }
            } else {
                mask = fromWeights(w, blockSize);
            }
            masks.put(layer.name(), mask);
        }
        return new PrunedModel(card, zeroed.isEmpty() ? weights : weights.with(zeroed), masks);
    }

    /** A block is kept iff any of its float weights is non-zero (-0.0 counts as zero). */
    public static BlockMask fromWeights(Float32Tensor w, int blockSize) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("weights must be 2-D [N x K], got shape " + w.shapeString());
        }
        int n = w.rows();
        int k = w.cols();
        int cols = BlockMask.blocks(k, blockSize, "K");
        int rows = BlockMask.blocks(n, blockSize, "N");
        boolean[] kept = new boolean[rows * cols];
        float[] data = w.data();
        for (int r = 0; r < n; r++) {
            int row = (r / blockSize) * cols;
            for (int c = 0; c < k; c++) {
                if (data[r * k + c] != 0f) {
                    kept[row + c / blockSize] = true;
                }
            }
        }
        return new BlockMask(blockSize, rows, cols, kept);
    }

    /** Reports the first missing or misshapen tensor in forward-pass order; extra tensors are fine. */
    static void checkShapes(Weights weights, ModelCard card, String cardName) {
        for (Map.Entry<String, int[]> e : DeitLayout.expectedShapes(card.architecture(), card.selectors()).entrySet()) {
            String name = e.getKey();
            if (!weights.contains(name)) {
                throw new TensorFormatException(weights.source(), "missing tensor '" + name + "' of shape "
                        + Tensor.formatShape(e.getValue()) + " needed by card " + cardName);
            }
            int[] shape = weights.get(name).shape();
            if (!Arrays.equals(shape, e.getValue())) {
                throw new TensorFormatException(weights.source(), "tensor '" + name + "' has shape "
                        + Tensor.formatShape(shape) + " but card " + cardName + " needs " + Tensor.formatShape(e.getValue()));
            }
        }
    }
}
