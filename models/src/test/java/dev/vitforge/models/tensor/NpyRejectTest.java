package dev.vitforge.models.tensor;

import static dev.vitforge.models.tensor.NpyBytes.npy;
import static dev.vitforge.models.tensor.NpyBytes.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file is refused with one line: the path, a colon, the problem. */
class NpyRejectTest {

    @TempDir
    Path dir;

    /** Writes the bytes to W.npy, reads it back, and returns the problem after "path: ". */
    private String problem(byte[] bytes) throws Exception {
        Path file = dir.resolve("W.npy");
        Files.write(file, bytes);
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> Npy.read(file));
        String prefix = file + ": ";
        assertEquals(prefix, e.getMessage().substring(0, prefix.length()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(file.toString(), e.file());
        return e.getMessage().substring(prefix.length());
    }

    @Test
    void badMagic() throws Exception {
        assertEquals("not an .npy file (bad magic; expected \\x93NUMPY)",
                problem("PK\u0003\u0004 this is a zip".getBytes()));
        assertEquals("empty file, not an .npy file", problem(new byte[0]));
    }

    @Test
    void truncatedHeader() throws Exception {
        byte[] full = v1("|i1", "(2,)", 1, 2);
        assertEquals("truncated header: file is only 4 bytes", problem(Arrays.copyOf(full, 4)));
        assertEquals("truncated header: file is only 9 bytes", problem(Arrays.copyOf(full, 9)));
        assertEquals("truncated header: it claims " + (full.length - 12) + " bytes but the file has 20"
                + " after the length field", problem(Arrays.copyOf(full, 30)));
    }

    @Test
    void truncatedData() throws Exception {
        assertEquals("truncated data: shape (2, 3) of int32 needs 24 bytes but the file has 5 after the header",
                problem(v1("<i4", "(2, 3)", new byte[5])));
    }

    @Test
    void trailingGarbage() throws Exception {
        assertEquals("2 unexpected bytes after the data of shape (2,) int8", problem(v1("|i1", "(2,)", 1, 2, 3, 4)));
    }

    @Test
    void unsupportedDtypes() throws Exception {
        assertEquals("big-endian dtype '>i4' is not supported; save with arr.astype('<i4')",
                problem(v1(">i4", "(1,)", 0, 0, 0, 1)));
        String f8 = problem(v1("<f8", "(1,)", new byte[8]));
        assertEquals("unsupported dtype '<f8'; supported: |i1 (int8), |u1 (uint8), <i4 (int32), <f4 (float32),"
                + " |b1 (bool, read as uint8)", f8);
        assertEquals("structured dtypes are not supported; supported: |i1 (int8), |u1 (uint8), <i4 (int32),"
                + " <f4 (float32), |b1 (bool, read as uint8)",
                problem(npy(1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }\n")));
    }

    @Test
    void fortranOrder() throws Exception {
        assertEquals("fortran_order arrays are not supported; save with np.ascontiguousarray",
                problem(npy(1, "{'descr': '|i1', 'fortran_order': True, 'shape': (2, 2), }\n", 1, 2, 3, 4)));
    }

    @Test
    void malformedHeaders() throws Exception {
        assertEquals("malformed header: missing key 'shape'",
                problem(npy(1, "{'descr': '|i1', 'fortran_order': False}\n")));
        assertEquals("malformed header: unexpected key 'extra'",
                problem(npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (), 'extra': True}\n", 1)));
        assertEquals("malformed header: duplicate key 'descr'",
                problem(npy(1, "{'descr': '|i1', 'descr': '|i1'}\n")));
        assertEquals("malformed header: 'shape' has the wrong type",
                problem(npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': 'big'}\n")));
        assertEquals("malformed header: expected '{' at offset 0", problem(npy(1, "descr=|i1\n")));
        assertEquals("malformed header: header ends before the dict is closed",
                problem(npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,\n")));
        assertEquals("malformed header: unterminated string at offset 1", problem(npy(1, "{'descr: \n")));
        assertEquals("malformed header: unexpected value at offset 10", problem(npy(1, "{'descr': None}\n")));
        assertEquals("malformed header: expected an integer in shape at offset 51",
                problem(npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (x,), }\n")));
        assertEquals("malformed header: unexpected text after the dict at offset 12",
                problem(npy(1, "{'a': True} junk\n")));
    }

    @Test
    void negativeAndAbsurdShapes() throws Exception {
        assertEquals("negative dimension in shape (2, -3)", problem(v1("|i1", "(2, -3)")));
        assertEquals("shape (100000, 100000) is too large for one array", problem(v1("|i1", "(100000, 100000)")));
        assertEquals("shape (3000000000,) is too large for one array", problem(v1("|i1", "(3000000000,)")));
        assertEquals("shape dimension 99999999999999999999999 is too large for one array",
                problem(v1("|i1", "(99999999999999999999999,)")));
        // Zero elements stay fine however large the other dimensions are.
        assertEquals(0, Npy.decode(v1("<i4", "(100000, 100000, 0)"), "z.npy").size());
    }

    @Test
    void unsupportedVersion() throws Exception {
        byte[] b = v1("|i1", "(1,)", 1);
        b[6] = 4;
        assertEquals("unsupported .npy format version 4.0 (readable: 1.0, 2.0, 3.0)", problem(b));
        b[6] = 1;
        b[7] = 1;
        assertEquals("unsupported .npy format version 1.1 (readable: 1.0, 2.0, 3.0)", problem(b));
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.npy");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> Npy.read(file));
        assertEquals(file + ": cannot read: no such file or directory", e.getMessage());
    }
}
