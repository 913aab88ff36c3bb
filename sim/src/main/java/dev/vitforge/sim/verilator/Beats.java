package dev.vitforge.sim.verilator;

/**
 * Beats captured from an output stream: per beat its data as 32-bit words, least
 * significant word first, and its tlast flag (false when the stream has no tlast).
 */
public record Beats(int width, int[][] words, boolean[] last) {
    public int size() {
        return last.length;
    }

    /** Data as unsigned longs; only for streams at most 64 bits wide. */
    public long[] values() {
        if (width > 64) throw new IllegalStateException("stream is " + width + " bits wide; use words()");
        long[] v = new long[words.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Integer.toUnsignedLong(words[i][0]);
            if (words[i].length > 1) v[i] |= (long) words[i][1] << 32;
        }
        return v;
    }
}
