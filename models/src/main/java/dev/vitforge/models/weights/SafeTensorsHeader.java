package dev.vitforge.models.weights;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.vitforge.models.tensor.Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file, parsed with a strict streaming reader and checked
 * against the data section before a single tensor byte is read: a file that passes describes
 * every tensor exactly once, within the data, with no overlap, gap or trailing bytes (the same
 * rules as the reference Rust implementation).
 */
record SafeTensorsHeader(List<Entry> entries, Map<String, String> metadata) {

    static final String METADATA = "__metadata__";
    /** Java arrays cannot hold more elements than this on common VMs. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** One tensor: bytes [begin, end) of the data section. */
    record Entry(String name, SafeTensorsDType dtype, int[] shape, long begin, long end) {
        int elements() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    static SafeTensorsHeader parse(String json, long dataLength, String source) {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            expect(r, JsonToken.BEGIN_OBJECT, "the header", source);
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) {
                    throw new TensorFormatException(source, "header names '" + name + "' twice");
                }
                if (name.equals(METADATA)) {
                    readMetadata(r, metadata, source);
                } else {
                    entries.add(readEntry(r, name, source));
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new TensorFormatException(source, "header is not well-formed JSON: data after the top-level object");
            }
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new TensorFormatException(source, "header is not well-formed JSON: " + syntaxError(e), e);
        }
        checkLayout(entries, dataLength, source);
        return new SafeTensorsHeader(List.copyOf(entries), metadata);
    }

    /** Gson's first message line, minus its advice to relax strictness (a file's author cannot act on it). */
    private static String syntaxError(Exception e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = msg.indexOf('\n');
        msg = nl < 0 ? msg : msg.substring(0, nl);
        int advice = msg.indexOf("Use JsonReader.setStrictness");
        if (advice >= 0) {
            int at = msg.indexOf(" at line ", advice);
            return "syntax error" + (at < 0 ? "" : msg.substring(at));
        }
        return msg;
    }

    private static void readMetadata(JsonReader r, Map<String, String> metadata, String source) throws IOException {
        expect(r, JsonToken.BEGIN_OBJECT, METADATA, source);
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new TensorFormatException(source, METADATA + " value of '" + key + "' must be a string, got "
                        + r.peek());
            }
            metadata.put(key, r.nextString());
        }
        r.endObject();
    }

    private static Entry readEntry(JsonReader r, String name, String source) throws IOException {
        String what = "tensor '" + name + "'";
        expect(r, JsonToken.BEGIN_OBJECT, what, source);
        r.beginObject();
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype":
                    expect(r, JsonToken.STRING, what + " dtype", source);
                    dtypeName = r.nextString();
                    break;
                case "shape":
                    shape = longs(r, what + " shape", source);
                    break;
                case "data_offsets":
                    offsets = longs(r, what + " data_offsets", source);
                    break;
                default:
                    throw new TensorFormatException(source, what + " has unknown field '" + key
                            + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        r.endObject();
        if (dtypeName == null || shape == null || offsets == null) {
            String missing = dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw new TensorFormatException(source, what + " has no '" + missing + "'");
        }
        SafeTensorsDType dtype = SafeTensorsDType.fromHeader(dtypeName);
        if (dtype == null) {
            throw new TensorFormatException(source, what + " has unsupported dtype '" + dtypeName
                    + "' (readable: F32, F16, BF16, I8)");
        }
        if (offsets.length != 2) {
            throw new TensorFormatException(source, what + " data_offsets must be [begin, end], got "
                    + offsets.length + " numbers");
        }
        int[] dims = new int[shape.length];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new TensorFormatException(source, what + " shape " + Arrays.toString(shape) + " is too large");
            }
            dims[i] = (int) shape[i];
            elements = Math.min(elements * dims[i], MAX_ELEMENTS + 1);
        }
        if (elements > MAX_ELEMENTS) {
            throw new TensorFormatException(source, what + " shape " + Tensor.formatShape(dims)
                    + " is too large for one array");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new TensorFormatException(source, what + " data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long need = elements * dtype.itemSize();
        if (end - begin != need) {
            throw new TensorFormatException(source, what + " data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes but " + dtype + " " + Tensor.formatShape(dims) + " needs " + need);
        }
        return new Entry(name, dtype, dims, begin, end);
    }

    private static void checkLayout(List<Entry> entries, long dataLength, String source) {
        for (Entry e : entries) {
            if (e.end() > dataLength) {
                throw new TensorFormatException(source, "tensor '" + e.name() + "' data_offsets [" + e.begin() + ", "
                        + e.end() + "] run past the data section of " + dataLength + " bytes");
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < covered) {
                throw new TensorFormatException(source, "tensors '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + ") and '" + e.name() + "' [" + e.begin() + ", " + e.end() + ") overlap");
            }
            if (e.begin() > covered) {
                throw new TensorFormatException(source, "bytes [" + covered + ", " + e.begin()
                        + ") of the data section belong to no tensor");
            }
            covered = e.end();
            previous = e;
        }
        if (covered != dataLength) {
            throw new TensorFormatException(source, (dataLength - covered) + " bytes after the last tensor belong to"
                    + " no tensor (data section is " + dataLength + " bytes)");
        }
    }

    private static long[] longs(JsonReader r, String what, String source) throws IOException {
        expect(r, JsonToken.BEGIN_ARRAY, what, source);
        r.beginArray();
        List<Long> values = new ArrayList<>();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw new TensorFormatException(source, what + " must hold non-negative integers, got " + r.peek());
            }
            String text = r.nextString();
            long v;
            try {
                v = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new TensorFormatException(source, what + " must hold non-negative integers, got " + text);
            }
            if (v < 0) {
                throw new TensorFormatException(source, what + " must hold non-negative integers, got " + text);
            }
            values.add(v);
        }
        r.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static void expect(JsonReader r, JsonToken token, String what, String source) throws IOException {
        JsonToken got = r.peek();
        if (got != token) {
            String kind = token == JsonToken.BEGIN_OBJECT ? "a JSON object" : token == JsonToken.BEGIN_ARRAY
                    ? "a JSON array" : "a string";
            throw new TensorFormatException(source, what + " must be " + kind + ", got " + got);
        }
    }
}
