package dev.vitforge.models.tensor;

import java.util.Arrays;

/**
 * 32-bit float tensor; {@code data.length} always equals the product of {@code shape} and neither ever changes.
 *
 * <p>Equality compares bit patterns ({@link Arrays#equals(float[], float[])}), so NaN equals NaN and
 * -0.0 differs from 0.0: a round trip through a file must preserve every bit.
 */
public record Float32Tensor(int[] shape, float[] data) implements Tensor {

    public Float32Tensor {
        shape = Shapes.check(shape, data.length);
        data = data.clone();
    }

    public static Float32Tensor matrix(int rows, int cols, float... values) {
        return new Float32Tensor(new int[] {rows, cols}, values);
    }

    public static Float32Tensor vector(float... values) {
        return new Float32Tensor(new int[] {values.length}, values);
    }

    public static Float32Tensor zeros(int... shape) {
        return new Float32Tensor(shape, new float[(int) Shapes.size(shape)]);
    }

    @Override
    public DType dtype() {
        return DType.FLOAT32;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the elements in C order. */
    @Override
    public float[] data() {
        return data.clone();
    }

    public float get(int i) {
        return data[Shapes.index(shape, i)];
    }

    public float get(int row, int col) {
        return data[Shapes.index(shape, row, col)];
    }

    @Override
    public double doubleAt(int flatIndex) {
        return data[flatIndex];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Float32Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Float32Tensor" + Shapes.format(shape);
    }
}
