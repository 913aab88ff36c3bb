package dev.vitforge.models.sparse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.models.tensor.Int8Tensor;
import dev.vitforge.models.tensor.TensorFormatException;
import dev.vitforge.models.tensor.UInt8Tensor;
import org.junit.jupiter.api.Test;

class BlockMaskTest {

    @Test
    void fromWeightsKeepsBlocksWithAnyNonzeroIncludingPartialEdges() {
        // W [5 x 5] in 2 x 2 blocks: a 3 x 3 grid whose last row and column of blocks are partial.
        byte[] w = new byte[25];
        w[0 * 5 + 1] = 3;   // block (0, 0)
        w[3 * 5 + 4] = -1;  // block (1, 2), the partial right column
        w[4 * 5 + 2] = 7;   // block (2, 1), the partial bottom row
        BlockMask m = BlockMask.fromWeights(new Int8Tensor(new int[] {5, 5}, w), 2);
        assertEquals(3, m.outputBlocks());
        assertEquals(3, m.inputBlocks());
        assertArrayEquals(new boolean[] {true, false, false, false, false, true, false, true, false}, m.kept());
        assertEquals(3, m.nonzeroBlocks());
        assertEquals(1, m.nonzeroBlocksForOutput(1));
        assertArrayEquals(new int[] {2}, m.keptInputBlocks(1));
        assertTrue(m.isKept(2, 1));
        assertFalse(m.isKept(2, 2));
        assertEquals(3.0 / 9, m.density(), 1e-12);
    }

    @Test
    void fromTensorAcceptsAnyDtypeAndChecksShape() {
        // N = 40, K = 20, B = 16: ceil gives a 3 x 2 grid.
        BlockMask f = BlockMask.fromTensor(Float32Tensor.matrix(3, 2, 0f, 0.5f, -1f, 0f, 0f, Float.NaN), 16, 40, 20, "m.npy");
        assertArrayEquals(new boolean[] {false, true, true, false, false, true}, f.kept());
        BlockMask u = BlockMask.fromTensor(UInt8Tensor.ofInts(new int[] {3, 2}, 0, 1, 255, 0, 0, 2), 16, 40, 20, "m.npy");
        assertEquals(f, u);

        TensorFormatException e = assertThrows(TensorFormatException.class,
                () -> BlockMask.fromTensor(UInt8Tensor.zeros(2, 2), 16, 40, 20, "layer0/mask.npy"));
        assertEquals("layer0/mask.npy: mask shape (2, 2) does not fit weights [40 x 20] in 16 x 16 blocks;"
                + " expected (3, 2)", e.getMessage());
        e = assertThrows(TensorFormatException.class,
                () -> BlockMask.fromTensor(UInt8Tensor.zeros(6), 16, 40, 20, "flat.npy"));
        assertEquals("flat.npy: mask shape (6,) does not fit weights [40 x 20] in 16 x 16 blocks;"
                + " expected (3, 2)", e.getMessage());
    }

    @Test
    void fullEmptyAndCanonicalConstructor() {
        BlockMask full = BlockMask.full(32, 100, 64);
        assertEquals(4, full.rows());
        assertEquals(2, full.cols());
        assertEquals(8, full.nonzeroBlocks());
        assertEquals(1.0, full.density());
        assertEquals(0, BlockMask.empty(32, 100, 64).nonzeroBlocks());
        assertEquals(0.0, BlockMask.empty(8, 0, 0).density());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BlockMask(8, 2, 3, new boolean[5]));
        assertEquals("a 2 x 3 block mask needs 6 entries, got 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BlockMask.full(0, 8, 8));
        boolean[] flags = new boolean[1];
        BlockMask m = new BlockMask(8, 1, 1, flags);
        flags[0] = true;
        m.kept()[0] = true;
        assertEquals(0, m.nonzeroBlocks());
    }

    @Test
    void randomKeepsExactlyRoundedCountAndIsSeeded() {
        BlockMask a = BlockMask.random(42, 0.5, 16, 200, 100); // 13 x 7 = 91 blocks, round(45.5) = 46
        assertEquals(46, a.nonzeroBlocks());
        assertEquals(a, BlockMask.random(42, 0.5, 16, 200, 100));
        assertNotEquals(a, BlockMask.random(43, 0.5, 16, 200, 100));
        assertEquals(0, BlockMask.random(1, 0.0, 16, 200, 100).nonzeroBlocks());
        assertEquals(91, BlockMask.random(1, 1.0, 16, 200, 100).nonzeroBlocks());
        assertEquals(9, BlockMask.random(7, 0.1, 16, 200, 100).nonzeroBlocks());
        assertThrows(IllegalArgumentException.class, () -> BlockMask.random(1, 1.5, 16, 16, 16));
        assertThrows(IllegalArgumentException.class, () -> BlockMask.random(1, Double.NaN, 16, 16, 16));
    }

    @Test
    void usefulMacsCountsOnlyTheRealPartOfEdgeBlocks() {
        // N = 20, K = 10, B = 8: block heights 8, 8, 4 and widths 8, 2.
        BlockMask full = BlockMask.full(8, 20, 10);
        assertEquals(3L * 20 * 10, full.usefulMacs(3, 20, 10));
        boolean[] kept = {false, false, false, true, true, false}; // (1, 1) = 8 x 2, (2, 0) = 4 x 8
        BlockMask m = new BlockMask(8, 3, 2, kept);
        assertEquals(5L * (8 * 2 + 4 * 8), m.usefulMacs(5, 20, 10));
        assertEquals(0, m.usefulMacs(0, 20, 10));
        // Large sizes must not overflow int.
        assertEquals(4096L * 4096 * 4096, BlockMask.full(32, 4096, 4096).usefulMacs(4096, 4096, 4096));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.usefulMacs(1, 30, 10));
        assertEquals("mask is 3 x 2 blocks of 8 but W [30 x 10] needs 4 x 2", e.getMessage());
    }
}
