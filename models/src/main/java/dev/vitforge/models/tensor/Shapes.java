package dev.vitforge.models.tensor;

/** Shape validation and indexing shared by the tensor records; stateless. */
final class Shapes {

    /** Java arrays cannot hold more elements than this on common VMs. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Shapes() {
    }

    /** Checks that {@code shape} is well formed and describes exactly {@code length} elements; returns a copy. */
    static int[] check(int[] shape, int length) {
        int[] copy = shape.clone();
        long size = size(copy);
        if (size != length) {
            throw new IllegalArgumentException(
                    "shape " + format(copy) + " holds " + size + " elements but the data has " + length);
        }
        return copy;
    }

    /** Element count of a shape; rejects negative dimensions and counts no Java array can hold. */
    static long size(int[] shape) {
        long size = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + format(shape));
            }
            // Capped just above the limit so the product never overflows; a later 0 still makes it 0.
            size = Math.min(size * d, MAX_ELEMENTS + 1);
        }
        if (size > MAX_ELEMENTS) {
            throw new IllegalArgumentException("shape " + format(shape) + " is too large for one array");
        }
        return size;
    }

    /** Flat C-order index of element (row, col) of a 2-D shape. */
    static int index(int[] shape, int row, int col) {
        if (shape.length != 2) {
            throw new IllegalStateException("(row, col) access needs a 2-D tensor, shape is " + format(shape));
        }
        if (row < 0 || row >= shape[0] || col < 0 || col >= shape[1]) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") is outside shape " + format(shape));
        }
        return row * shape[1] + col;
    }

    /** Flat index of element i of a 1-D shape. */
    static int index(int[] shape, int i) {
        if (shape.length != 1) {
            throw new IllegalStateException("single-index access needs a 1-D tensor, shape is " + format(shape));
        }
        if (i < 0 || i >= shape[0]) {
            throw new IndexOutOfBoundsException(i + " is outside shape " + format(shape));
        }
        return i;
    }

    /** Python tuple spelling, {@code (2, 3)}, {@code (6,)} or {@code ()}, so messages match what NumPy users see. */
    static String format(int... shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }
}
