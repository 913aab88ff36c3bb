package dev.vitforge.models.card;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.stream.JsonWriter;
import dev.vitforge.models.tensor.TensorFormatException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes model cards. Reading is strict: malformed JSON, duplicate, unknown, missing or
 * mistyped fields and every rule of {@link ModelCard} are a {@link TensorFormatException} whose
 * message is one line, {@code "<card file>: <problem>"} — the same exception the tensor readers
 * throw, so a CLI resolving a card catches one type for the card and the files it names.
 */
public final class ModelCards {

    private static final String[] TOP = {"name", "architecture", "weights", "block_pruning", "token_pruning"};
    private static final String[] ARCH = {"family", "embed_dim", "depth", "num_heads", "mlp_ratio", "patch_size",
        "image_size", "in_chans", "num_classes"};
    /** Families whose timm models use the DeiT tensor names and forward pass of SEMANTICS.md. */
    public static final List<String> FAMILIES = List.of("deit", "vit");

    private ModelCards() {
    }

    /** Reads a card file; relative paths inside it are relative to {@code file.getParent()}. */
    public static ModelCard load(Path file) {
        String source = file.toString();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TensorFormatException(source, "not UTF-8 text", e);
        } catch (IOException e) {
            throw new TensorFormatException(source, "cannot read: " + describe(e), e);
        }
        return parse(text, source);
    }

    /** Parses card JSON; {@code source} names it in errors. */
    public static ModelCard parse(String json, String source) {
        CardJson.Obj top = new CardJson.Obj(source, "", CardJson.parse(json, source), TOP);
        String name = top.string("name");
        Architecture architecture = architecture(top.object("architecture", ARCH));
        WeightsSource weights;
        BlockPruning pruning;
        List<Selector> selectors = new ArrayList<>();
        try {
            weights = WeightsSource.parse(top.string("weights"));
            pruning = blockPruning(top.object("block_pruning", "block_size", "masks", "density"));
            if (top.has("token_pruning")) {
                CardJson.Obj tp = top.object("token_pruning", "selectors");
                JsonArray list = tp.array("selectors");
                for (int j = 0; j < list.size(); j++) {
                    CardJson.Obj s = new CardJson.Obj(source, "token_pruning.selectors[" + j + "]", list.get(j),
                            "before_block", "keep_ratio");
                    selectors.add(new Selector(s.integer("before_block"), s.number("keep_ratio")));
                }
            }
            return new ModelCard(name, architecture, weights, pruning, selectors);
        } catch (IllegalArgumentException e) {
            throw new TensorFormatException(source, e.getMessage(), e);
        }
    }

    private static Architecture architecture(CardJson.Obj a) {
        String family = a.string("family");
        if (!FAMILIES.contains(family)) {
            throw a.fail("architecture.family must be one of " + FAMILIES + ", got \"" + family + "\"");
        }
        int[] sizes = new int[ARCH.length];
        for (int i = 1; i < ARCH.length; i++) {
            if (ARCH[i].equals("mlp_ratio")) {
                continue;
            }
            sizes[i] = a.integer(ARCH[i]);
            if (sizes[i] <= 0) {
                throw a.fail(a.path(ARCH[i]) + " must be positive, got " + sizes[i]);
            }
        }
        double mlpRatio = a.number("mlp_ratio");
        if (!(mlpRatio > 0) || Double.isInfinite(mlpRatio)) {
            throw a.fail("architecture.mlp_ratio must be positive, got " + mlpRatio);
        }
        try {
            return new Architecture(family, sizes[1], sizes[2], sizes[3], mlpRatio, sizes[5], sizes[6], sizes[7],
                    sizes[8]);
        } catch (IllegalArgumentException e) {
            throw a.fail("architecture: " + e.getMessage());
        }
    }

    private static BlockPruning blockPruning(CardJson.Obj b) {
        int blockSize = b.integer("block_size");
        JsonElement m = b.get("masks");
        MaskSource masks;
        if (m.isJsonPrimitive() && m.getAsJsonPrimitive().isString()) {
            if (!m.getAsString().equals(MaskSource.FROM_WEIGHTS)) {
                throw b.fail("block_pruning.masks must be \"from-weights\" or a map from layer name to .npy path, got "
                        + CardJson.show(m));
            }
            masks = new MaskSource.FromWeights();
        } else if (m.isJsonObject()) {
            Map<String, String> paths = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : m.getAsJsonObject().entrySet()) {
                JsonElement v = e.getValue();
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                    throw b.fail("block_pruning.masks." + e.getKey() + " must be a .npy path string, got "
                            + CardJson.show(v));
                }
                paths.put(e.getKey(), v.getAsString());
            }
            masks = new MaskSource.Files(paths);
        } else {
            throw b.fail("block_pruning.masks must be \"from-weights\" or a map from layer name to .npy path, got "
                    + CardJson.show(m));
        }
        OptionalDouble density = b.has("density") ? OptionalDouble.of(b.number("density")) : OptionalDouble.empty();
        return new BlockPruning(blockSize, masks, density);
    }

    /** The card as pretty-printed JSON in the field order of SEMANTICS.md; {@link #parse} reads it back equal. */
    public static String toJson(ModelCard card) {
        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.setIndent("  ");
            w.beginObject();
            w.name("name").value(card.name());
            Architecture a = card.architecture();
            w.name("architecture").beginObject()
                    .name("family").value(a.family())
                    .name("embed_dim").value(a.embedDim())
                    .name("depth").value(a.depth())
                    .name("num_heads").value(a.numHeads())
                    .name("mlp_ratio").value(a.mlpRatio())
                    .name("patch_size").value(a.patchSize())
                    .name("image_size").value(a.imageSize())
                    .name("in_chans").value(a.inChans())
                    .name("num_classes").value(a.numClasses())
                    .endObject();
            w.name("weights").value(card.weights().spelling());
            BlockPruning b = card.blockPruning();
            w.name("block_pruning").beginObject().name("block_size").value(b.blockSize());
            if (b.masks() instanceof MaskSource.Files files) {
                w.name("masks").beginObject();
                for (Map.Entry<String, String> e : files.paths().entrySet()) {
                    w.name(e.getKey()).value(e.getValue());
                }
                w.endObject();
            } else {
                w.name("masks").value(MaskSource.FROM_WEIGHTS);
            }
            if (b.density().isPresent()) {
                w.name("density").value(b.density().getAsDouble());
            }
            w.endObject();
            if (!card.selectors().isEmpty()) {
                w.name("token_pruning").beginObject().name("selectors").beginArray();
                for (Selector s : card.selectors()) {
                    w.beginObject().name("before_block").value(s.beforeBlock())
                            .name("keep_ratio").value(s.keepRatio()).endObject();
                }
                w.endArray().endObject();
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter never fails
        }
        return out + "\n";
    }

    /** Writes the card atomically (temp file in the same directory, then a rename). */
    public static void write(Path file, ModelCard card) {
        byte[] bytes = toJson(card).getBytes(StandardCharsets.UTF_8);
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // The original failure is the one worth reporting.
            }
            throw new TensorFormatException(file.toString(), "cannot write: " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : CardJson.firstLine(e.getMessage());
    }
}
