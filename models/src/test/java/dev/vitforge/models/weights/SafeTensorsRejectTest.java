package dev.vitforge.models.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vitforge.models.tensor.TensorFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed file is refused with one line: the path, a colon, the problem. */
class SafeTensorsRejectTest {

    @TempDir
    Path dir;

    /** A safetensors file from a header string and raw data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    static Stream<Arguments> badFiles() {
        byte[] eight = new byte[8];
        String ok = entry("w", "F32", "[2]", 0, 8);
        byte[] hugeLen = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        byte[] negLen = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
        return Stream.of(
                Arguments.of(new byte[5], "truncated: 5 bytes, shorter than the 8-byte header length"),
                Arguments.of(hugeLen, "header length 1000 runs past the end of the file (4 bytes after the length field)"),
                Arguments.of(negLen, "header length 18446744073709551615 runs past the end of the file (4 bytes after"
                        + " the length field)"),
                Arguments.of(file("{\"w\":", eight), "header is not well-formed JSON: End of input at line 1 column 6 path $.w"),
                Arguments.of(file("{" + ok + "} x", eight), "header is not well-formed JSON: syntax error at line 1 column 57 path $"),
                Arguments.of(file("[]", new byte[0]), "the header must be a JSON object, got BEGIN_ARRAY"),
                Arguments.of(file("{" + ok + "," + ok + "}", eight), "header names 'w' twice"),
                Arguments.of(file("{" + entry("w", "F64", "[1]", 0, 8) + "}", eight),
                        "tensor 'w' has unsupported dtype 'F64' (readable: F32, F16, BF16, I8)"),
                Arguments.of(file("{" + entry("w", "Q4", "[1]", 0, 8) + "}", eight),
                        "tensor 'w' has unsupported dtype 'Q4' (readable: F32, F16, BF16, I8)"),
                Arguments.of(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "tensor 'w' has no 'data_offsets'"),
                Arguments.of(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", eight),
                        "tensor 'w' has unknown field 'x' (allowed: dtype, shape, data_offsets)"),
                Arguments.of(file("{\"w\":{\"dtype\":1,\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
                        "tensor 'w' dtype must be a string, got NUMBER"),
                Arguments.of(file("{\"w\":[]}", eight), "tensor 'w' must be a JSON object, got BEGIN_ARRAY"),
                Arguments.of(file("{" + entry("w", "F32", "[-2]", 0, 8) + "}", eight),
                        "tensor 'w' shape must hold non-negative integers, got -2"),
                Arguments.of(file("{" + entry("w", "F32", "[2.5]", 0, 8) + "}", eight),
                        "tensor 'w' shape must hold non-negative integers, got 2.5"),
                Arguments.of(file("{" + entry("w", "F32", "\"2\"", 0, 8) + "}", eight),
                        "tensor 'w' shape must be a JSON array, got STRING"),
                Arguments.of(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", eight),
                        "tensor 'w' data_offsets must be [begin, end], got 1 numbers"),
                Arguments.of(file("{" + entry("w", "F32", "[3]", 0, 8) + "}", eight),
                        "tensor 'w' data_offsets [0, 8] hold 8 bytes but F32 (3,) needs 12"),
                Arguments.of(file("{" + entry("w", "F32", "[2]", 8, 0) + "}", eight),
                        "tensor 'w' data_offsets [8, 0] end before they begin"),
                Arguments.of(file("{" + entry("w", "F32", "[2]", 4, 12) + "}", eight),
                        "tensor 'w' data_offsets [4, 12] run past the data section of 8 bytes"),
                Arguments.of(file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "}",
                        eight), "tensors 'a' [0, 8) and 'b' [4, 8) overlap"),
                Arguments.of(file("{" + entry("a", "F32", "[1]", 4, 8) + "}", eight),
                        "bytes [0, 4) of the data section belong to no tensor"),
                Arguments.of(file("{" + entry("a", "F32", "[1]", 0, 4) + "}", eight),
                        "4 bytes after the last tensor belong to no tensor (data section is 8 bytes)"),
                Arguments.of(file("{\"__metadata__\":{\"a\":1}}", new byte[0]),
                        "__metadata__ value of 'a' must be a string, got NUMBER"),
                Arguments.of(file("{\"__metadata__\":[]}", new byte[0]), "__metadata__ must be a JSON object, got BEGIN_ARRAY"),
                Arguments.of(file("{" + ok + "}", floats(1, Float.NaN)),
                        "tensor 'w' holds NaN at flat index 1; weights must be finite"),
                Arguments.of(file("{" + entry("h", "F16", "[3]", 0, 6) + "}", shorts(0x3C00, 0x3C00, 0xFC00)),
                        "tensor 'h' holds -Infinity at flat index 2; weights must be finite"),
                Arguments.of(file("{" + entry("h", "BF16", "[1]", 0, 2) + "}", shorts(0x7FC0)),
                        "tensor 'h' holds NaN at flat index 0; weights must be finite"),
                Arguments.of(file("{" + entry("h", "F32", "[1]", 0, 4) + "}", floats(Float.POSITIVE_INFINITY)),
                        "tensor 'h' holds Infinity at flat index 0; weights must be finite"));
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void refuses(byte[] bytes, String problem) throws Exception {
        Path file = dir.resolve("W.safetensors");
        Files.write(file, bytes);
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> SafeTensors.read(file));
        assertEquals(file + ": " + problem, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(file.toString(), e.file());
    }

    @Test
    void refusesInvalidUtf8AndMissingFiles() throws Exception {
        byte[] bad = file("{\"\u00e9\":1}", new byte[0]);
        bad[9] = (byte) 0xFF;
        assertEquals("x: header is not valid UTF-8",
                assertThrows(TensorFormatException.class, () -> SafeTensors.decode(bad, "x")).getMessage());
        Path missing = dir.resolve("none.safetensors");
        assertEquals(missing + ": cannot read: no such file or directory",
                assertThrows(TensorFormatException.class, () -> SafeTensors.read(missing)).getMessage());
    }

    @Test
    void anEmptyHeaderIsAnEmptyFile() {
        assertEquals(0, SafeTensors.decode(file("{}", new byte[0]), "x").tensors().size());
    }
}
