package dev.vitforge.sim.verilator;

import java.util.Arrays;

/**
 * Beats captured from an output stream: per beat its data as 32-bit words, least
 * significant word first, and its tlast flag (false when the stream has no tlast).
 *
 * <p>The words are held flat, {@code wordsPerBeat()} per beat, exactly as the native
 * side hands them over. A pop of millions of beats then costs one array, not one
 * {@code int[]} per beat; that per-beat allocation used to cost more than simulating
 * the cycles. {@link #words()} still offers the per-beat view, built on first use.
 * Callers must not modify the arrays they get.
 */
public final class Beats {
    private final int width;
    private final int wordsPerBeat;
    private final int[] flat;
    private final boolean[] last;
    // The per-beat view, built on demand; racing threads at worst build it twice.
    private volatile int[][] words;

    /** Beats as one array of {@code (width + 31) / 32} words per beat; no copy is taken. */
    public Beats(int width, int[] flatWords, boolean[] last) {
        this.width = width;
        this.wordsPerBeat = (width + 31) / 32;
        if (flatWords.length != last.length * wordsPerBeat) {
            throw new IllegalArgumentException(last.length + " beats of " + wordsPerBeat
                    + " words need " + last.length * wordsPerBeat + " words, got " + flatWords.length);
        }
        this.flat = flatWords;
        this.last = last;
    }

    /** Beats given one {@code int[]} per beat (shorter arrays are zero-extended). */
    public Beats(int width, int[][] words, boolean[] last) {
        this(width, flatten(width, words, last.length), last);
    }

    private static int[] flatten(int width, int[][] words, int beats) {
        if (words.length != beats) throw new IllegalArgumentException("beats and last flags differ in length");
        int n = (width + 31) / 32;
        int[] flat = new int[beats * n];
        for (int i = 0; i < beats; i++) System.arraycopy(words[i], 0, flat, i * n, Math.min(n, words[i].length));
        return flat;
    }

    public int width() {
        return width;
    }

    public int size() {
        return last.length;
    }

    /** 32-bit words per beat. */
    public int wordsPerBeat() {
        return wordsPerBeat;
    }

    /** All beats' words back to back, {@link #wordsPerBeat()} per beat. */
    public int[] flatWords() {
        return flat;
    }

    /** The words of one beat, least significant first. */
    public int[] words(int beat) {
        return Arrays.copyOfRange(flat, beat * wordsPerBeat, (beat + 1) * wordsPerBeat);
    }

    /** Per beat its words, least significant first. */
    public int[][] words() {
        int[][] w = words;
        if (w == null) {
            w = new int[last.length][];
            for (int i = 0; i < w.length; i++) w[i] = words(i);
            words = w;
        }
        return w;
    }

    public boolean[] last() {
        return last;
    }

    /** Data as unsigned longs; only for streams at most 64 bits wide. */
    public long[] values() {
        if (width > 64) throw new IllegalStateException("stream is " + width + " bits wide; use words()");
        long[] v = new long[last.length];
        if (wordsPerBeat == 1) {
            for (int i = 0; i < v.length; i++) v[i] = Integer.toUnsignedLong(flat[i]);
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = Integer.toUnsignedLong(flat[2 * i]) | (long) flat[2 * i + 1] << 32;
            }
        }
        return v;
    }

    @Override
    public String toString() {
        return "Beats[width=" + width + ", size=" + size() + "]";
    }
}
