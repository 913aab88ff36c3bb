package dev.vitforge.models.tensor;

/**
 * An immutable C-order array of one {@link DType}; its element count always equals the product of its shape.
 *
 * <p>Sealed with one record per dtype so that code which needs int8 weights says
 * {@link Int8Tensor} and the compiler, not a runtime check, keeps float data out of it.
 */
public sealed interface Tensor permits Int8Tensor, UInt8Tensor, Int32Tensor, Float32Tensor {

    DType dtype();

    /** A copy of the shape; changing it does not change the tensor. */
    int[] shape();

    /** Element at a flat C-order index, exact for every dtype (a double holds any int32 or float32). */
    double doubleAt(int flatIndex);

    default int rank() {
        return shape().length;
    }

    /** Number of elements. */
    default int size() {
        return (int) Shapes.size(shape());
    }

    /** Rows of a 2-D tensor. */
    default int rows() {
        return requireMatrix()[0];
    }

    /** Columns of a 2-D tensor. */
    default int cols() {
        return requireMatrix()[1];
    }

    /** The shape in Python tuple spelling, e.g. {@code (2, 3)}. */
    default String shapeString() {
        return Shapes.format(shape());
    }

    /** Python tuple spelling of any shape, e.g. {@code (6,)}; shared so every message spells shapes alike. */
    static String formatShape(int... shape) {
        return Shapes.format(shape);
    }

    private int[] requireMatrix() {
        int[] s = shape();
        if (s.length != 2) {
            throw new IllegalStateException("expected a 2-D tensor, shape is " + Shapes.format(s));
        }
        return s;
    }
}
