package dev.vitforge.hwgen.gemm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every size of one GEMM engine. Invariant: blockSize and rowTile are powers of two, lanes >= 1,
 * and maxK / maxM / maxColumns bound every runtime argument the engine will be given.
 * {@code reasons} says, per size, which statistic of the model or the board chose it.
 */
public record GemmConfig(int blockSize, int rowTile, int lanes, int maxK, int maxM, int maxColumns,
                         int xColumns, Map<String, String> reasons) {

    public GemmConfig {
        if (!powerOfTwo(blockSize) || blockSize < 2 || blockSize > 64) {
            throw new IllegalArgumentException("block size must be a power of two in 2..64, got " + blockSize);
        }
        if (!powerOfTwo(rowTile) || rowTile < 1 || rowTile > 64) {
            throw new IllegalArgumentException("row tile must be a power of two in 1..64, got " + rowTile);
        }
        if (lanes < 1 || maxK < 1 || maxM < 1 || maxColumns < 1) {
            throw new IllegalArgumentException("lanes, maxK, maxM and maxColumns must be positive");
        }
        // Beyond these the register map (4 KiB) or the X buffer's address arithmetic would overflow.
        if (lanes > 256 || maxK > (1 << 20) || maxM > (1 << 20) || maxColumns > (1 << 16)) {
            throw new IllegalArgumentException("engine too large: at most 256 lanes, K and M up to 2^20, 2^16 "
                    + "block-columns; got " + lanes + ", " + maxK + ", " + maxM + ", " + maxColumns);
        }
        if (!powerOfTwo(xColumns) || xColumns > 16) {
            throw new IllegalArgumentException("X columns per beat must be a power of two in 1..16, got " + xColumns);
        }
        reasons = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(reasons));
    }

    public static GemmConfig of(int blockSize, int rowTile, int lanes, int maxK, int maxM, int maxColumns) {
        return of(blockSize, rowTile, lanes, maxK, maxM, maxColumns, 1);
    }

    public static GemmConfig of(int blockSize, int rowTile, int lanes, int maxK, int maxM, int maxColumns,
                                int xColumns) {
        return new GemmConfig(blockSize, rowTile, lanes, maxK, maxM, maxColumns, xColumns, Map.of());
    }

    /** int8 multipliers in the whole engine. */
    public int multipliers() {
        return lanes * rowTile * blockSize;
    }

    public int kWidth() {
        return bits(maxK - 1);
    }

    /** X beats (and X buffer words) per row tile of k columns: each carries xColumns columns. */
    public int xBeats(int k) {
        return (k + xColumns - 1) / xColumns;
    }

    /** Address bits of one half of the X buffer. */
    public int xWordWidth() {
        return bits(xBeats(maxK) - 1);
    }

    /** X buffer words per half (a power of two so the half is the address's top bit). */
    public int bufferHalfDepth() {
        return 1 << xWordWidth();
    }

    public int mWidth() {
        return bits(maxM);
    }

    public int tileWidth() {
        return bits(tiles(maxM));
    }

    public int columnWidth() {
        return bits(maxColumns);
    }

    public int rowTileWidth() {
        return bits(rowTile);
    }

    public int tiles(int m) {
        return (m + rowTile - 1) / rowTile;
    }

    /** Weight beat: {skip, first, k, B weights}; X beat: xColumns columns of rowTile int8; Y beat: B int32. */
    public int weightBeatWidth() {
        return 8 * blockSize + kWidth() + 2;
    }

    public int xBeatWidth() {
        return 8 * rowTile * xColumns;
    }

    public int yBeatWidth() {
        return 32 * blockSize;
    }

    /** A short stable name for module names and file names. */
    public String tag() {
        return "b" + blockSize + "_t" + rowTile + "_l" + lanes + "_k" + maxK + "_m" + maxM + "_c" + maxColumns
                + (xColumns == 1 ? "" : "_x" + xColumns);
    }

    static int bits(int value) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(value));
    }

    private static boolean powerOfTwo(int v) {
        return v > 0 && Integer.bitCount(v) == 1;
    }
}
