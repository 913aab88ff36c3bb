package dev.vitforge.models.tensor;

import java.util.Arrays;

/**
 * Unsigned 8-bit tensor stored as raw bytes; {@code data.length} always equals the product of {@code shape}.
 *
 * <p>Java has no unsigned byte, so {@link #get} returns the 0..255 value as an int while
 * {@link #data} hands out the raw bit patterns the hardware sees.
 */
public record UInt8Tensor(int[] shape, byte[] data) implements Tensor {

    public UInt8Tensor {
        shape = Shapes.check(shape, data.length);
        data = data.clone();
    }

    public static UInt8Tensor zeros(int... shape) {
        return new UInt8Tensor(shape, new byte[(int) Shapes.size(shape)]);
    }

    /** From ints; every value must lie in [0, 255]. */
    public static UInt8Tensor ofInts(int[] shape, int... values) {
        byte[] data = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw new IllegalArgumentException("value " + values[i] + " at index " + i + " does not fit uint8");
            }
            data[i] = (byte) values[i];
        }
        return new UInt8Tensor(shape, data);
    }

    @Override
    public DType dtype() {
        return DType.UINT8;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the raw bytes in C order (values above 127 appear negative). */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Element i of a 1-D tensor, 0..255. */
    public int get(int i) {
        return Byte.toUnsignedInt(data[Shapes.index(shape, i)]);
    }

    /** Element (row, col) of a 2-D tensor, 0..255. */
    public int get(int row, int col) {
        return Byte.toUnsignedInt(data[Shapes.index(shape, row, col)]);
    }

    @Override
    public double doubleAt(int flatIndex) {
        return Byte.toUnsignedInt(data[flatIndex]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UInt8Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "UInt8Tensor" + Shapes.format(shape);
    }
}
