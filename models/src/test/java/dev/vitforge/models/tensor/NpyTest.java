package dev.vitforge.models.tensor;

import static dev.vitforge.models.tensor.NpyBytes.npy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @TempDir
    Path dir;

    private Tensor roundTrip(Tensor t) {
        Path file = dir.resolve("t.npy");
        Npy.write(file, t);
        Tensor back = Npy.read(file);
        assertEquals(t, back);
        assertEquals(t.dtype(), back.dtype());
        return back;
    }

    @Test
    void roundTripsInt8() {
        roundTrip(Int8Tensor.ofInts(new int[] {2, 3}, -128, -1, 0, 1, 2, 127));
        roundTrip(Int8Tensor.vector((byte) 5, (byte) -5));
    }

    @Test
    void roundTripsUInt8() {
        UInt8Tensor back = (UInt8Tensor) roundTrip(UInt8Tensor.ofInts(new int[] {3, 2}, 0, 1, 127, 128, 200, 255));
        assertEquals(255, back.get(2, 1));
        assertEquals(128, back.get(1, 1));
    }

    @Test
    void roundTripsInt32() {
        roundTrip(Int32Tensor.matrix(2, 2, Integer.MIN_VALUE, -1, 0x12345678, Integer.MAX_VALUE));
        roundTrip(Int32Tensor.vector(7, 8, 9));
    }

    @Test
    void roundTripsFloat32BitForBit() {
        Float32Tensor back = (Float32Tensor) roundTrip(Float32Tensor.matrix(1, 5,
                1.5f, -0.0f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(back.get(0, 1)));
    }

    @Test
    void roundTripsEmptyAndScalarShapes() {
        roundTrip(Int32Tensor.zeros(0, 3));
        roundTrip(Float32Tensor.zeros());
        roundTrip(UInt8Tensor.zeros(4, 5, 6));
    }

    /** np.save(f, np.arange(6, dtype=np.int8).reshape(2, 3)), bytes built by hand. */
    @Test
    void writerMatchesNumpyByteForByte() {
        String dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";
        // The dict plus '\n' after the 10-byte prefix is 70 bytes, so NumPy pads to the next multiple of 64: 128.
        String header = dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n";
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
        expected.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        expected.writeBytes(new byte[] {0, 1, 2, 3, 4, 5});

        Int8Tensor t = Int8Tensor.ofInts(new int[] {2, 3}, 0, 1, 2, 3, 4, 5);
        assertArrayEquals(expected.toByteArray(), Npy.encode(t));
        Path file = dir.resolve("ref.npy");
        Npy.write(file, t);
        assertArrayEquals(expected.toByteArray(), readBytes(file));
    }

    /** Header lengths NumPy 2.4 produced for these shapes (checked with numpy.save). */
    @Test
    void headersAreAlignedLikeNumpy() {
        assertEquals(128, Npy.encode(Int32Tensor.vector(0, 1, 2, 3, 4, 5)).length - 24);
        assertEquals(128, Npy.encode(Float32Tensor.zeros(1234567890, 0)).length);
        assertEquals(128, Npy.encode(UInt8Tensor.zeros()).length - 1);
        for (int[] shape : new int[][] {{1}, {12, 34}, {7, 8, 9}, {}}) {
            byte[] b = Npy.encode(Int8Tensor.zeros(shape));
            int headerEnd = 10 + (b[8] & 0xFF) + ((b[9] & 0xFF) << 8);
            assertEquals(0, headerEnd % 64);
            assertEquals('\n', b[headerEnd - 1]);
        }
    }

    @Test
    void readsVersion2Headers() {
        byte[] bytes = npy(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n",
                1, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF);
        assertEquals(Int32Tensor.vector(1, -1), Npy.decode(bytes, "v2.npy"));
    }

    @Test
    void readsVersion2WithHeaderLongerThan64k() {
        String dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2), }";
        byte[] bytes = npy(2, dict + " ".repeat(70_000) + "\n", 9, 10);
        assertEquals(UInt8Tensor.ofInts(new int[] {1, 2}, 9, 10), Npy.decode(bytes, "big.npy"));
    }

    @Test
    void readsVersion3AndOddButValidSpellings() {
        // Keys in another order, double quotes, no trailing comma, Python 2 longs.
        byte[] v3 = npy(3, "{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"<f4\"}  \n",
                0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0);
        assertEquals(Float32Tensor.matrix(1, 2, 1.0f, -2.0f), Npy.decode(v3, "v3.npy"));
        assertEquals(UInt8Tensor.ofInts(new int[] {2}, 1, 0), Npy.decode(NpyBytes.v1("|b1", "(2,)", 1, 0), "b.npy"));
        assertEquals(Int8Tensor.vector((byte) -1), Npy.decode(NpyBytes.v1("<i1", "(1,)", (byte) 0xFF), "i.npy"));
    }

    @Test
    void typedReadChecksDtypeAndRank() {
        Path x = dir.resolve("X.npy");
        Npy.write(x, Float32Tensor.matrix(1, 1, 0.5f));
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> Npy.readInt8(x, 2));
        assertEquals(x + ": expected int8, got float32", e.getMessage());
        e = assertThrows(TensorFormatException.class, () -> Npy.read(x, DType.FLOAT32, 1));
        assertEquals(x + ": expected a 1-D array, got shape (1, 1)", e.getMessage());
        assertEquals(0.5f, Npy.readFloat32(x, 2).get(0, 0));
    }

    @Test
    void writeReplacesExistingFileAndLeavesNoTemp() {
        Path file = dir.resolve("w.npy");
        Npy.write(file, Int32Tensor.vector(1));
        Npy.write(file, Int32Tensor.vector(2, 3));
        assertEquals(Int32Tensor.vector(2, 3), Npy.readInt32(file, 1));
        assertEquals(List.of("w.npy"), listDir());
    }

    @Test
    void failedWriteLeavesNothingBehind() throws Exception {
        Path target = dir.resolve("taken.npy");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep"), "x"); // a non-empty directory cannot be renamed over
        TensorFormatException e = assertThrows(TensorFormatException.class,
                () -> Npy.write(target, Int8Tensor.vector((byte) 1)));
        assertTrue(e.getMessage().startsWith(target + ": cannot write: "), e.getMessage());
        assertEquals(List.of("taken.npy"), listDir());

        Path missing = dir.resolve("no/such/dir/a.npy");
        e = assertThrows(TensorFormatException.class, () -> Npy.write(missing, Int8Tensor.vector((byte) 1)));
        assertEquals(missing + ": cannot write: no such file or directory", e.getMessage());
    }

    private List<String> listDir() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
