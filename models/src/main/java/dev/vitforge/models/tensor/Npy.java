package dev.vitforge.models.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NumPy {@code .npy} reader (format 1.0, 2.0, 3.0) and writer (1.0, byte-identical to {@code numpy.save}).
 *
 * <p>Only little-endian C-order int8/uint8/int32/float32 are accepted. Every failure, including
 * I/O, is a {@link TensorFormatException} whose message is {@code "<path>: <problem>"}, so the
 * CLI can print it as the one line the user sees.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy pads headers so the data starts on a 64-byte boundary (numpy.lib.format.ARRAY_ALIGN). */
    private static final int ALIGN = 64;
    /** NumPy leaves room for the first dimension to grow to this many digits in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private Npy() {
    }

    /** Reads any supported {@code .npy} file. */
    public static Tensor read(Path file) {
        String name = file.toString();
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 8) {
                throw new TensorFormatException(name, "file is larger than 2 GiB; split the tensor");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TensorFormatException(name, "cannot read: " + AtomicFile.describe(e), e);
        }
        return decode(bytes, name);
    }

    /** Reads a file and requires its dtype and rank, e.g. {@code "X.npy: expected int8, got float32"}. */
    public static Tensor read(Path file, DType dtype, int rank) {
        Tensor t = read(file);
        if (t.dtype() != dtype) {
            throw new TensorFormatException(file.toString(), "expected " + dtype + ", got " + t.dtype());
        }
        if (t.rank() != rank) {
            throw new TensorFormatException(file.toString(),
                    "expected a " + rank + "-D array, got shape " + t.shapeString());
        }
        return t;
    }

    public static Int8Tensor readInt8(Path file, int rank) {
        return (Int8Tensor) read(file, DType.INT8, rank);
    }

    public static UInt8Tensor readUInt8(Path file, int rank) {
        return (UInt8Tensor) read(file, DType.UINT8, rank);
    }

    public static Int32Tensor readInt32(Path file, int rank) {
        return (Int32Tensor) read(file, DType.INT32, rank);
    }

    public static Float32Tensor readFloat32(Path file, int rank) {
        return (Float32Tensor) read(file, DType.FLOAT32, rank);
    }

    /** Decodes the bytes of a whole {@code .npy} file; {@code source} names it in errors. */
    public static Tensor decode(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new TensorFormatException(source, "empty file, not an .npy file");
        }
        for (int i = 0; i < Math.min(bytes.length, MAGIC.length); i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new TensorFormatException(source, "not an .npy file (bad magic; expected \\x93NUMPY)");
            }
        }
        if (bytes.length < MAGIC.length + 2) {
            throw new TensorFormatException(source, "truncated header: file is only " + bytes.length + " bytes");
        }
        int major = bytes[6] & 0xFF;
        int minor = bytes[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new TensorFormatException(source,
                    "unsupported .npy format version " + major + "." + minor + " (readable: 1.0, 2.0, 3.0)");
        }
        int lenSize = major == 1 ? 2 : 4;
        if (bytes.length < 8 + lenSize) {
            throw new TensorFormatException(source, "truncated header: file is only " + bytes.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = lenSize == 2 ? Short.toUnsignedLong(buf.getShort(8)) : Integer.toUnsignedLong(buf.getInt(8));
        long dataStart = 8L + lenSize + headerLen;
        if (dataStart > bytes.length) {
            throw new TensorFormatException(source, "truncated header: it claims " + headerLen
                    + " bytes but the file has " + (bytes.length - 8 - lenSize) + " after the length field");
        }
        // Versions 1.0 and 2.0 are latin-1; 3.0 exists only to allow UTF-8 in the header.
        String text = new String(bytes, 8 + lenSize, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(text, source);

        DType dtype = header.dtype();
        int[] shape = header.shape();
        int count = (int) Shapes.size(shape);
        long need = (long) count * dtype.itemSize();
        long have = bytes.length - dataStart;
        if (have < need) {
            throw new TensorFormatException(source, "truncated data: shape " + Shapes.format(shape) + " of " + dtype
                    + " needs " + need + " bytes but the file has " + have + " after the header");
        }
        if (have > need) {
            throw new TensorFormatException(source, (have - need) + " unexpected bytes after the data of shape "
                    + Shapes.format(shape) + " " + dtype);
        }
        buf.position((int) dataStart);
        switch (dtype) {
            case INT8: {
                byte[] data = new byte[count];
                buf.get(data);
                return new Int8Tensor(shape, data);
            }
            case UINT8: {
                byte[] data = new byte[count];
                buf.get(data);
                return new UInt8Tensor(shape, data);
            }
            case INT32: {
                int[] data = new int[count];
                buf.asIntBuffer().get(data);
                return new Int32Tensor(shape, data);
            }
            case FLOAT32: {
                float[] data = new float[count];
                buf.asFloatBuffer().get(data);
                return new Float32Tensor(shape, data);
            }
            default:
                throw new AssertionError(dtype);
        }
    }

    /** The bytes {@code numpy.save} writes for this tensor: a v1.0 header padded to 64 bytes, then the data. */
    public static byte[] encode(Tensor tensor) {
        int[] shape = tensor.shape();
        StringBuilder header = new StringBuilder(NpyHeader.format(tensor.dtype(), shape));
        if (shape.length > 0) {
            // Matches NumPy >= 1.23, which reserves room to rewrite the first dimension in place.
            header.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length())));
        }
        int withNewline = header.length() + 1;
        int pad = ALIGN - (MAGIC.length + 4 + withNewline) % ALIGN; // 1..64, exactly as NumPy computes it
        header.append(" ".repeat(pad)).append('\n');
        byte[] text = header.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (text.length > 0xFFFF) {
            throw new IllegalArgumentException("header of shape " + Shapes.format(shape) + " is too long for .npy 1.0");
        }

        int count = tensor.size();
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + text.length + count * tensor.dtype().itemSize())
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        if (tensor instanceof Int8Tensor t) {
            buf.put(t.data());
        } else if (tensor instanceof UInt8Tensor t) {
            buf.put(t.data());
        } else if (tensor instanceof Int32Tensor t) {
            buf.asIntBuffer().put(t.data());
        } else if (tensor instanceof Float32Tensor t) {
            buf.asFloatBuffer().put(t.data());
        }
        return buf.array();
    }

    /**
     * Writes {@code tensor} atomically: the bytes go to a temp file in the same directory, which
     * is then renamed over {@code file}. Readers see the old file or the whole new one, never a
     * prefix; on failure the temp file is deleted and {@code file} is untouched.
     */
    public static void write(Path file, Tensor tensor) {
        AtomicFile.write(file, encode(tensor));
    }
}
