package dev.vitforge.models.tensor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-made .npy files for tests, so the reader is checked against bytes written by no code under test. */
final class NpyBytes {

    private NpyBytes() {
    }

    /** Magic, version major.0, a little-endian length field (2 bytes for 1.0, else 4), header text, data. */
    static byte[] npy(int major, String header, byte... data) {
        byte[] text = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        out.write(text.length & 0xFF);
        out.write((text.length >>> 8) & 0xFF);
        if (major != 1) {
            out.write((text.length >>> 16) & 0xFF);
            out.write(text.length >>> 24);
        }
        out.writeBytes(text);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** As {@link #npy(int, String, byte...)} with data bytes given as ints (0..255 or -128..127). */
    static byte[] npy(int major, String header, int... data) {
        return npy(major, header, bytes(data));
    }

    static byte[] v1(String descr, String shape, int... data) {
        return v1(descr, shape, bytes(data));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** A v1.0 file with a NumPy-style header dict for the given descr and shape text. */
    static byte[] v1(String descr, String shape, byte... data) {
        return npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n", data);
    }
}
