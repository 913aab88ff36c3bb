package dev.vitforge.hwgen.gen;

import java.util.ArrayDeque;

/** Reference for {@link StreamFifo}: order is kept and at most {@code depth + 1} beats are held. */
public final class StreamFifoModel {
    private final ArrayDeque<long[]> beats = new ArrayDeque<>();
    private final int capacity;

    public StreamFifoModel(int depth) {
        this.capacity = depth + 1;
    }

    public boolean offer(long data, boolean last) {
        if (beats.size() >= capacity) {
            return false;
        }
        beats.add(new long[] {data, last ? 1 : 0});
        return true;
    }

    public long[] poll() {
        return beats.poll();
    }

    public int size() {
        return beats.size();
    }
}
