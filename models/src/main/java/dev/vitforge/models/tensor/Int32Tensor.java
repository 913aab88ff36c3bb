package dev.vitforge.models.tensor;

import java.util.Arrays;

/** Signed 32-bit tensor; {@code data.length} always equals the product of {@code shape} and neither ever changes. */
public record Int32Tensor(int[] shape, int[] data) implements Tensor {

    public Int32Tensor {
        shape = Shapes.check(shape, data.length);
        data = data.clone();
    }

    public static Int32Tensor matrix(int rows, int cols, int... values) {
        return new Int32Tensor(new int[] {rows, cols}, values);
    }

    public static Int32Tensor vector(int... values) {
        return new Int32Tensor(new int[] {values.length}, values);
    }

    public static Int32Tensor zeros(int... shape) {
        return new Int32Tensor(shape, new int[(int) Shapes.size(shape)]);
    }

    @Override
    public DType dtype() {
        return DType.INT32;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the elements in C order. */
    @Override
    public int[] data() {
        return data.clone();
    }

    public int get(int i) {
        return data[Shapes.index(shape, i)];
    }

    public int get(int row, int col) {
        return data[Shapes.index(shape, row, col)];
    }

    @Override
    public double doubleAt(int flatIndex) {
        return data[flatIndex];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Int32Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Int32Tensor" + Shapes.format(shape);
    }
}
