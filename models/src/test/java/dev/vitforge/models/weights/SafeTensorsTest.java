package dev.vitforge.models.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips for every dtype, exact half-precision conversion, and a deterministic byte layout. */
class SafeTensorsTest {

    /** Values every format represents exactly: zeros, small integers, powers of two, F16's extremes. */
    static final float[] F16_EXACT = {0f, -0f, 1f, -2.5f, 0.333251953125f, 65504f, -65504f, 0x1p-14f, 0x1p-24f,
        -0x1p-24f, 3 * 0x1p-24f, 1023 * 0x1p-24f, 1.5f, 2048f, 0x1.998p-4f, 0x1.554p-2f};
    static final float[] BF16_EXACT = {0f, -0f, 1f, -2.5f, 3.3895314e38f, -3.3895314e38f, 0x1p-126f, 0x1p-133f,
        1.0078125f, 65536f, 0x1.98p-4f, 0x1.02p-10f, -0x1.fep100f};

    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("z.weight", Float32Tensor.matrix(2, 3, 1f, -2f, 0.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f));
        m.put("a.bias", Float32Tensor.vector(3.25f));
        m.put("scalar", new Float32Tensor(new int[] {}, new float[] {7f}));
        m.put("empty", Float32Tensor.zeros(0, 4));
        m.put("q", Int8Tensor.ofInts(new int[] {2, 2}, -128, 127, 0, -1));
        return m;
    }

    @Test
    void f32AndI8RoundTripBitExactWithMetadata() {
        Path file = dir.resolve("w.safetensors");
        Map<String, String> meta = Map.of("format", "pt", "note", "é ünïcode");
        SafeTensors.write(file, sample(), meta, SafeTensorsDType.F32);
        Map<String, Tensor> back = SafeTensors.readTensors(file);
        assertEquals(new TreeMap<>(sample()), back);
        Weights w = SafeTensors.read(file);
        assertEquals(new TreeMap<>(meta), w.metadata());
        assertEquals(file.toString(), w.source());
        assertEquals(new Float32Tensor(new int[] {2, 2}, new float[] {-128, 127, 0, -1}), w.get("q"),
                "I8 becomes float32 in Weights");
        assertEquals(sample().get("z.weight"), w.get("z.weight"));
        assertEquals(4 + 1 + 1 + 6, w.parameterCount());
    }

    @Test
    void f16AndBf16AreExactOnRepresentableValues() {
        for (SafeTensorsDType dtype : new SafeTensorsDType[] {SafeTensorsDType.F16, SafeTensorsDType.BF16}) {
            float[] values = dtype == SafeTensorsDType.F16 ? F16_EXACT : BF16_EXACT;
            Path file = dir.resolve(dtype + ".safetensors");
            SafeTensors.write(file, Map.of("x", Float32Tensor.vector(values)), Map.of(), dtype);
            assertEquals(8 + headerLength(file) + 2L * values.length, size(file));
            assertTrue(header(file).contains("\"dtype\":\"" + dtype.name() + "\""), header(file));
            float[] back = SafeTensors.read(file).get("x").data();
            for (int i = 0; i < values.length; i++) {
                assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back[i]),
                        dtype + " value " + values[i]);
            }
        }
    }

    @Test
    void halfPrecisionRoundsToNearestEven() {
        // Halfway between 1 and the next F16 (1 + 2^-10) goes to the even neighbour 1; just above goes up.
        assertEquals(1f, SafeTensorsDType.f16ToFloat(SafeTensorsDType.floatToF16(1 + 0x1p-11f)));
        assertEquals(1 + 0x1p-10f, SafeTensorsDType.f16ToFloat(SafeTensorsDType.floatToF16(1 + 0x1p-11f + 0x1p-20f)));
        assertEquals(1 + 0x1p-9f, SafeTensorsDType.f16ToFloat(SafeTensorsDType.floatToF16(1 + 3 * 0x1p-11f)));
        assertEquals(0f, SafeTensorsDType.f16ToFloat(SafeTensorsDType.floatToF16(0x1p-25f)), "tie to even zero");
        assertEquals(0x1p-24f, SafeTensorsDType.f16ToFloat(SafeTensorsDType.floatToF16(0x1.8p-25f)));
        assertEquals(0x1p-14f, SafeTensorsDType.f16ToFloat(SafeTensorsDType.floatToF16(0x1.ffcp-15f)),
                "largest subnormal rounds up into the normals");
        assertEquals(1f, SafeTensorsDType.bf16ToFloat(SafeTensorsDType.floatToBf16(1 + 0x1p-8f)));
        assertEquals(1 + 0x1p-6f, SafeTensorsDType.bf16ToFloat(SafeTensorsDType.floatToBf16(1 + 3 * 0x1p-8f)));
        // Every one of the 2^16 F16 patterns survives F16 -> float -> F16 except NaN payloads.
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = SafeTensorsDType.f16ToFloat(bits);
            if (!Float.isNaN(f)) {
                assertEquals(bits, SafeTensorsDType.floatToF16(f) & 0xFFFF, Integer.toHexString(bits));
                assertEquals(bits, SafeTensorsDType.floatToBf16(SafeTensorsDType.bf16ToFloat(bits)) & 0xFFFF);
            }
        }
    }

    @Test
    void writesDeterministicallySortedAndAligned() throws Exception {
        Map<String, Tensor> reversed = new LinkedHashMap<>();
        new TreeMap<>(sample()).descendingMap().forEach(reversed::put);
        byte[] a = SafeTensors.encode(sample(), Map.of("b", "2", "a", "1"), SafeTensorsDType.F32, "x");
        byte[] b = SafeTensors.encode(reversed, Map.of("a", "1", "b", "2"), SafeTensorsDType.F32, "x");
        assertArrayEquals(a, b);
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, reversed, Map.of("a", "1", "b", "2"), SafeTensorsDType.F32);
        assertArrayEquals(a, Files.readAllBytes(file));
        long headerLen = headerLength(file);
        assertEquals(0, headerLen % 8, "data starts 8-byte aligned");
        String header = header(file);
        assertTrue(header.startsWith("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"},\"a.bias\":{\"dtype\":\"F32\","
                + "\"shape\":[1],\"data_offsets\":[0,4]},\"empty\":"), header);
        assertTrue(header.indexOf("\"q\"") < header.indexOf("\"scalar\"") && header.indexOf("\"scalar\"")
                < header.indexOf("\"z.weight\""), header);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }

    @Test
    void readsAFileLaidOutAsThePythonLibraryWritesIt() {
        // Tensors in any data order, metadata anywhere in the header, header padded with spaces.
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"BF16\",\"shape\":[1,1],\"data_offsets\":[8,10]}}";
        ByteBuffer data = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-3f)
                .putShort((short) 0x3F80);
        Weights w = SafeTensors.decode(SafeTensorsRejectTest.file(header + "   ", data.array()), "py.safetensors");
        assertEquals(Float32Tensor.vector(1.5f, -3f), w.get("b"));
        assertEquals(Float32Tensor.matrix(1, 1, 1f), w.get("a"));
        assertEquals(Map.of("format", "pt"), w.metadata());
    }

    @Test
    void refusesToWriteWhatCouldNotBeReadBack() {
        Path file = dir.resolve("bad.safetensors");
        assertEquals(file + ": cannot write tensor 'x': it holds NaN at flat index 1",
                assertThrows(TensorFormatException.class, () -> SafeTensors.write(file,
                        Map.of("x", Float32Tensor.vector(0, Float.NaN)), Map.of(), SafeTensorsDType.F32)).getMessage());
        assertEquals(file + ": cannot write tensor 'x' as F16: 70000.0 at flat index 0 overflows it",
                assertThrows(TensorFormatException.class, () -> SafeTensors.write(file,
                        Map.of("x", Float32Tensor.vector(70000f)), Map.of(), SafeTensorsDType.F16)).getMessage());
        assertEquals(file + ": cannot write tensor 'x' as BF16: 3.4028235E38 at flat index 0 overflows it",
                assertThrows(TensorFormatException.class, () -> SafeTensors.write(file,
                        Map.of("x", Float32Tensor.vector(Float.MAX_VALUE)), Map.of(), SafeTensorsDType.BF16))
                        .getMessage());
        assertEquals(file + ": cannot write a tensor named __metadata__; the name is reserved for metadata",
                assertThrows(TensorFormatException.class, () -> SafeTensors.write(file,
                        Map.of("__metadata__", Float32Tensor.vector(1)), Map.of(), SafeTensorsDType.F32)).getMessage());
        assertEquals(file + ": cannot write tensor 'u' of dtype uint8; safetensors weights are float or int8",
                assertThrows(TensorFormatException.class, () -> SafeTensors.write(file,
                        Map.of("u", dev.vitforge.models.tensor.UInt8Tensor.zeros(1)), Map.of(), SafeTensorsDType.F32))
                        .getMessage());
        assertTrue(Files.notExists(file));
    }

    @Test
    void weightsNameTheMissingTensorAndTheirSource() {
        Weights w = new Weights("model.safetensors", Map.of("a", Float32Tensor.vector(1)));
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> w.get("blocks.0.attn.qkv.weight"));
        assertEquals("model.safetensors: missing tensor 'blocks.0.attn.qkv.weight' (1 tensors present)", e.getMessage());
        Weights round = SafeTensors.decode(SafeTensors.encode(w.tensors(), Map.of(), SafeTensorsDType.F32, "m"), "m");
        assertEquals(w.tensors(), round.tensors());
    }

    private static long headerLength(Path file) {
        try {
            return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String header(Path file) {
        try {
            byte[] b = Files.readAllBytes(file);
            return new String(b, 8, (int) headerLength(file), StandardCharsets.UTF_8).stripTrailing();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
