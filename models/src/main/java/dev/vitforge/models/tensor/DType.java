package dev.vitforge.models.tensor;

/** The element types the hardware consumes; each maps to exactly one little-endian NumPy descr. */
public enum DType {
    INT8("int8", "|i1", 1),
    UINT8("uint8", "|u1", 1),
    INT32("int32", "<i4", 4),
    FLOAT32("float32", "<f4", 4);

    private final String numpyName;
    private final String descr;
    private final int itemSize;

    DType(String numpyName, String descr, int itemSize) {
        this.numpyName = numpyName;
        this.descr = descr;
        this.itemSize = itemSize;
    }

    /** The NumPy descr written to {@code .npy} headers, e.g. {@code "<i4"}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The NumPy name ({@code "int8"}), so messages read the way the Python side spells types. */
    @Override
    public String toString() {
        return numpyName;
    }
}
