package dev.vitforge.models.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void accessorsAndShape() {
        Int8Tensor t = Int8Tensor.ofInts(new int[] {2, 3}, 0, 1, 2, 3, 4, -5);
        assertEquals(2, t.rows());
        assertEquals(3, t.cols());
        assertEquals(6, t.size());
        assertEquals(-5, t.get(1, 2));
        assertEquals("(2, 3)", t.shapeString());
        assertEquals("(6,)", Tensor.formatShape(6));
        assertEquals("()", Tensor.formatShape());
        assertEquals(7, Int32Tensor.vector(5, 7).get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        assertThrows(IllegalStateException.class, () -> t.get(0));
        assertThrows(IllegalStateException.class, () -> Int32Tensor.vector(1).rows());
    }

    @Test
    void isImmutable() {
        byte[] data = {1, 2};
        int[] shape = {2};
        Int8Tensor t = new Int8Tensor(shape, data);
        data[0] = 9;
        shape[0] = 1;
        t.data()[1] = 9;
        t.shape()[0] = 7;
        assertEquals(Int8Tensor.vector((byte) 1, (byte) 2), t);
    }

    @Test
    void validatesShapeAgainstData() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int32Tensor.matrix(2, 2, 1, 2, 3));
        assertEquals("shape (2, 2) holds 4 elements but the data has 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Int8Tensor.zeros(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> Int8Tensor.ofInts(new int[] {1}, 128));
        assertThrows(IllegalArgumentException.class, () -> UInt8Tensor.ofInts(new int[] {1}, -1));
    }

    @Test
    void equalityIsByValueAndType() {
        assertEquals(Int32Tensor.vector(1, 2).hashCode(), Int32Tensor.vector(1, 2).hashCode());
        assertNotEquals(Int32Tensor.vector(1, 2), Int32Tensor.matrix(1, 2, 1, 2));
        assertNotEquals(Int8Tensor.vector((byte) 1), new UInt8Tensor(new int[] {1}, new byte[] {1}));
        assertEquals(200.0, UInt8Tensor.ofInts(new int[] {1}, 200).doubleAt(0));
    }
}
