package dev.vitforge.models.weights;

import com.google.gson.stream.JsonWriter;
import dev.vitforge.models.tensor.AtomicFile;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes safetensors files: an 8-byte little-endian header length, a JSON header of
 * name -> {dtype, shape, data_offsets} with an optional {@code __metadata__} string map, then the
 * raw little-endian data. F32, F16, BF16 and I8 are supported; floats become {@link Float32Tensor}.
 *
 * <p>Every failure, I/O included, is a one-line {@link TensorFormatException} naming the file.
 * Float tensors holding NaN or infinity are refused on read and on write: a weight that is not a
 * number can only be a corrupt file or a diverged training run, and the hardware has no encoding for it.
 */
public final class SafeTensors {

    /** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
    static final long MAX_HEADER = 100_000_000L;

    private SafeTensors() {
    }

    /** Reads a file into float weights (I8 tensors are widened to float32 too). */
    public static Weights read(Path file) {
        Decoded d = readDecoded(file);
        return toWeights(d.tensors(), d.metadata(), file.toString());
    }

    /** Reads a file keeping I8 tensors as {@link Int8Tensor}; float dtypes become {@link Float32Tensor}. */
    public static Map<String, Tensor> readTensors(Path file) {
        return readDecoded(file).tensors();
    }

    /** Decodes the bytes of a whole file into float weights; {@code source} names it in errors. */
    public static Weights decode(byte[] bytes, String source) {
        Decoded d = decode(ByteBuffer.wrap(bytes), source);
        return toWeights(d.tensors(), d.metadata(), source);
    }

    /** Tensors by name (sorted) and the {@code __metadata__} map of one file. */
    record Decoded(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private static Decoded readDecoded(Path file) {
        String source = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new TensorFormatException(source, "file is larger than 2 GiB; split the weights into shards");
            }
            // Mapped, not copied: DeiT-B's 344 MB are read once into floats without a second heap copy.
            return decode(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), source);
        } catch (IOException e) {
            throw new TensorFormatException(source, "cannot read: " + AtomicFile.describe(e), e);
        }
    }

    private static Weights toWeights(Map<String, Tensor> tensors, Map<String, String> metadata, String source) {
        Map<String, Float32Tensor> floats = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getValue() instanceof Float32Tensor f) {
                floats.put(e.getKey(), f);
            } else {
                Int8Tensor t = (Int8Tensor) e.getValue();
                byte[] b = t.data();
                float[] f = new float[b.length];
                for (int i = 0; i < b.length; i++) {
                    f[i] = b[i];
                }
                floats.put(e.getKey(), new Float32Tensor(t.shape(), f));
            }
        }
        return new Weights(source, floats, metadata);
    }

    static Decoded decode(ByteBuffer buffer, String source) {
        ByteBuffer buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long size = buf.remaining();
        if (size < 8) {
            throw new TensorFormatException(source, "truncated: " + size + " bytes, shorter than the 8-byte header length");
        }
        long headerLen = buf.getLong(0);
        if (headerLen < 0 || headerLen > size - 8) {
            throw new TensorFormatException(source, "header length " + Long.toUnsignedString(headerLen)
                    + " runs past the end of the file (" + (size - 8) + " bytes after the length field)");
        }
        if (headerLen > MAX_HEADER) {
            throw new TensorFormatException(source, "header length " + headerLen + " exceeds the 100 MB limit");
        }
        byte[] headerBytes = new byte[(int) headerLen];
        buf.get(8, headerBytes);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TensorFormatException(source, "header is not valid UTF-8", e);
        }
        long dataStart = 8 + headerLen;
        SafeTensorsHeader header = SafeTensorsHeader.parse(json, size - dataStart, source);

        Map<String, Tensor> tensors = new TreeMap<>();
        for (SafeTensorsHeader.Entry e : header.entries()) {
            ByteBuffer data = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            data.position((int) (dataStart + e.begin()));
            tensors.put(e.name(), decodeTensor(data, e, source));
        }
        return new Decoded(tensors, header.metadata());
    }

    private static Tensor decodeTensor(ByteBuffer data, SafeTensorsHeader.Entry e, String source) {
        int n = e.elements();
        if (e.dtype() == SafeTensorsDType.I8) {
            byte[] b = new byte[n];
            data.get(b);
            return new Int8Tensor(e.shape(), b);
        }
        float[] f = new float[n];
        switch (e.dtype()) {
            case F32:
                data.asFloatBuffer().get(f);
                break;
            case F16:
                for (int i = 0; i < n; i++) {
                    f[i] = SafeTensorsDType.f16ToFloat(data.getShort() & 0xFFFF);
                }
                break;
            case BF16:
                for (int i = 0; i < n; i++) {
                    f[i] = SafeTensorsDType.bf16ToFloat(data.getShort() & 0xFFFF);
                }
                break;
            default:
                throw new AssertionError(e.dtype());
        }
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(f[i])) {
                throw new TensorFormatException(source, "tensor '" + e.name() + "' holds " + f[i]
                        + " at flat index " + i + "; weights must be finite");
            }
        }
        return new Float32Tensor(e.shape(), f);
    }

    /** Writes float weights as F32 with their metadata. */
    public static void write(Path file, Weights weights) {
        write(file, weights.tensors(), weights.metadata(), SafeTensorsDType.F32);
    }

    /**
     * Writes tensors atomically (temp file in the same directory, then a rename) and
     * deterministically: names sorted, data in that order, header padded with spaces to 8 bytes.
     * Float tensors are stored as {@code floatDType} (F32, F16 or BF16, rounded to nearest even),
     * int8 tensors as I8; a value that is not finite, or overflows the dtype, is refused by name.
     */
    public static void write(Path file, Map<String, ? extends Tensor> tensors, Map<String, String> metadata,
                             SafeTensorsDType floatDType) {
        AtomicFile.write(file, encodeChunks(tensors, metadata, floatDType, file.toString()));
    }

    /** The exact bytes {@link #write} would store; {@code source} names the target in errors. */
    public static byte[] encode(Map<String, ? extends Tensor> tensors, Map<String, String> metadata,
                                SafeTensorsDType floatDType, String source) {
        List<ByteBuffer> chunks = encodeChunks(tensors, metadata, floatDType, source);
        int total = chunks.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(total);
        chunks.forEach(all::put);
        return all.array();
    }

    private static List<ByteBuffer> encodeChunks(Map<String, ? extends Tensor> tensors, Map<String, String> metadata,
                                                 SafeTensorsDType floatDType, String source) {
        if (!floatDType.isFloat()) {
            throw new IllegalArgumentException("floats can be stored as F32, F16 or BF16, not " + floatDType);
        }
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        List<ByteBuffer> chunks = new ArrayList<>();
        Map<String, long[]> offsets = new LinkedHashMap<>();
        Map<String, SafeTensorsDType> dtypes = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            String name = e.getKey();
            if (name.equals(SafeTensorsHeader.METADATA)) {
                throw new TensorFormatException(source, "cannot write a tensor named " + SafeTensorsHeader.METADATA
                        + "; the name is reserved for metadata");
            }
            SafeTensorsDType dtype = e.getValue() instanceof Int8Tensor ? SafeTensorsDType.I8 : floatDType;
            ByteBuffer data = encodeTensor(name, e.getValue(), dtype, source);
            dtypes.put(name, dtype);
            offsets.put(name, new long[] {offset, offset + data.remaining()});
            offset += data.remaining();
            chunks.add(data);
        }
        byte[] header = headerJson(sorted, dtypes, offsets, metadata).getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8; // the Rust writer aligns the data to 8 bytes the same way
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(header);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        chunks.add(0, head);
        return chunks;
    }

    private static String headerJson(Map<String, Tensor> tensors, Map<String, SafeTensorsDType> dtypes,
                                     Map<String, long[]> offsets, Map<String, String> metadata) {
        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.beginObject();
            if (metadata != null && !metadata.isEmpty()) {
                w.name(SafeTensorsHeader.METADATA).beginObject();
                for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
                    w.name(m.getKey()).value(m.getValue());
                }
                w.endObject();
            }
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                w.name(e.getKey()).beginObject().name("dtype").value(dtypes.get(e.getKey()).name());
                w.name("shape").beginArray();
                for (int d : e.getValue().shape()) {
                    w.value(d);
                }
                w.endArray();
                long[] o = offsets.get(e.getKey());
                w.name("data_offsets").beginArray().value(o[0]).value(o[1]).endArray();
                w.endObject();
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter never fails
        }
        return out.toString();
    }

    private static ByteBuffer encodeTensor(String name, Tensor tensor, SafeTensorsDType dtype, String source) {
        if (tensor instanceof Int8Tensor t) {
            return ByteBuffer.wrap(t.data());
        }
        if (!(tensor instanceof Float32Tensor t)) {
            throw new TensorFormatException(source, "cannot write tensor '" + name + "' of dtype " + tensor.dtype()
                    + "; safetensors weights are float or int8");
        }
        float[] f = t.data();
        ByteBuffer buf = ByteBuffer.allocate(f.length * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) {
                throw new TensorFormatException(source, "cannot write tensor '" + name + "': it holds " + f[i]
                        + " at flat index " + i);
            }
            switch (dtype) {
                case F32 -> buf.putFloat(f[i]);
                case F16 -> buf.putShort(checked(SafeTensorsDType.floatToF16(f[i]), 0x7C00, f[i], i, name, dtype, source));
                case BF16 -> buf.putShort(checked(SafeTensorsDType.floatToBf16(f[i]), 0x7F80, f[i], i, name, dtype,
                        source));
                default -> throw new AssertionError(dtype);
            }
        }
        buf.flip();
        return buf;
    }

    /** Refuses a finite value that rounded to infinity: the file could not be read back. */
    private static short checked(short bits, int infinity, float value, int index, String name, SafeTensorsDType dtype,
                                 String source) {
        if ((bits & 0x7FFF) == infinity) {
            throw new TensorFormatException(source, "cannot write tensor '" + name + "' as " + dtype + ": " + value
                    + " at flat index " + index + " overflows it");
        }
        return bits;
    }
}
