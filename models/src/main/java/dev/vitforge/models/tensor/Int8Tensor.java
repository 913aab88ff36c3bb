package dev.vitforge.models.tensor;

import java.util.Arrays;

/** Signed 8-bit tensor; {@code data.length} always equals the product of {@code shape} and neither ever changes. */
public record Int8Tensor(int[] shape, byte[] data) implements Tensor {

    public Int8Tensor {
        shape = Shapes.check(shape, data.length);
        data = data.clone();
    }

    public static Int8Tensor matrix(int rows, int cols, byte... values) {
        return new Int8Tensor(new int[] {rows, cols}, values);
    }

    public static Int8Tensor vector(byte... values) {
        return new Int8Tensor(new int[] {values.length}, values);
    }

    public static Int8Tensor zeros(int... shape) {
        return new Int8Tensor(shape, new byte[(int) Shapes.size(shape)]);
    }

    /** From ints, for readable literals and tests; every value must lie in [-128, 127]. */
    public static Int8Tensor ofInts(int[] shape, int... values) {
        byte[] data = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < Byte.MIN_VALUE || values[i] > Byte.MAX_VALUE) {
                throw new IllegalArgumentException("value " + values[i] + " at index " + i + " does not fit int8");
            }
            data[i] = (byte) values[i];
        }
        return new Int8Tensor(shape, data);
    }

    @Override
    public DType dtype() {
        return DType.INT8;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the elements in C order. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    public byte get(int i) {
        return data[Shapes.index(shape, i)];
    }

    public byte get(int row, int col) {
        return data[Shapes.index(shape, row, col)];
    }

    @Override
    public double doubleAt(int flatIndex) {
        return data[flatIndex];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Int8Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Int8Tensor" + Shapes.format(shape);
    }
}
