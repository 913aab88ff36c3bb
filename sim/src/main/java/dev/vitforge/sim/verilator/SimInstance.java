package dev.vitforge.sim.verilator;

import java.util.Arrays;

/**
 * One running simulation of a {@link VerilatorModel}. Not thread-safe: use it from
 * one thread at a time (the native model has no locking). Close it to free the
 * native state and flush any waveform.
 *
 * <p>Each cycle is clk low, eval, clk high, eval. In {@link #run} the engine drives
 * every input stream's valid/data/last and every output's ready, evaluates with
 * clk low, records handshakes where valid and ready are both high, then clocks.
 */
public final class SimInstance implements AutoCloseable {
    /** What {@link #run} and {@link #runUntil} return when the budget ran out. */
    public static final long BUDGET_EXHAUSTED = -1;

    private final VerilatorModel model;
    private long handle;

    SimInstance(VerilatorModel model, long handle) {
        if (handle == 0) throw new VerilatorException("could not create an instance of " + model.top());
        this.model = model;
        this.handle = handle;
    }

    public VerilatorModel model() {
        return model;
    }

    /** Sets an input port of at most 64 bits; bits above its width are dropped. */
    public void poke(String port, long value) {
        PortSpec p = narrow(port);
        if (!p.input()) throw new IllegalArgumentException("port " + port + " of " + model.top() + " is an output");
        NativeBridge.poke(h(), model.portIndex(port), value);
    }

    /** Reads a port (input or output) of at most 64 bits, zero-extended. */
    public long peek(String port) {
        narrow(port);
        return NativeBridge.peek(h(), model.portIndex(port));
    }

    /** Sets an input port of any width from 32-bit words, least significant first. */
    public void pokeWide(String port, int[] words) {
        PortSpec p = model.port(port);
        if (!p.input()) throw new IllegalArgumentException("port " + port + " of " + model.top() + " is an output");
        if (words.length > p.words()) {
            throw new IllegalArgumentException("port " + port + " takes " + p.words() + " words, got " + words.length);
        }
        NativeBridge.pokeWords(h(), model.portIndex(port), Arrays.copyOf(words, p.words()));
    }

    /** Reads a port of any width as 32-bit words, least significant first. */
    public int[] peekWide(String port) {
        int[] w = new int[model.port(port).words()];
        NativeBridge.peekWords(h(), model.portIndex(port), w);
        return w;
    }

    /**
     * Settles combinational logic after pokes without a clock edge, so outputs read
     * by {@link #peek} reflect the inputs just poked (for handshakes sampled mid-cycle).
     */
    public void eval() {
        NativeBridge.eval(h());
    }

    public void step(int cycles) {
        step((long) cycles);
    }

    public void step(long cycles) {
        if (cycles < 0) throw new IllegalArgumentException("negative cycle count " + cycles);
        NativeBridge.step(h(), cycles);
    }

    /** Clock cycles run so far by step, reset and run together. */
    public long cycle() {
        return NativeBridge.cycles(h());
    }

    /** Holds rst_n low for the given cycles, then releases it; without rst_n just steps. */
    public void reset(int cycles) {
        boolean hasReset = model.hasPort("rst_n");
        if (hasReset) poke("rst_n", 0);
        step(cycles);
        if (hasReset) poke("rst_n", 1);
    }

    /** Queues beats of a stream at most 64 bits wide; tlast marks the final beat. */
    public void push(String stream, long[] beats) {
        boolean[] last = new boolean[beats.length];
        if (beats.length > 0) last[beats.length - 1] = true;
        push(stream, beats, last);
    }

    public void push(String stream, long[] beats, boolean[] last) {
        StreamSpec s = inputStream(stream);
        if (s.width() > 64) throw new IllegalArgumentException("stream " + stream + " is " + s.width() + " bits; use int[][] beats");
        if (last.length != beats.length) throw new IllegalArgumentException("beats and last flags differ in length");
        // Packed straight into the flat word array the native side takes: going through
        // one int[] per beat allocated millions of small arrays and cost far more than
        // simulating the beats.
        int n = s.words();
        int[] flat = new int[beats.length * n];
        if (n == 1) {
            for (int i = 0; i < beats.length; i++) flat[i] = (int) beats[i];
        } else {
            for (int i = 0; i < beats.length; i++) {
                flat[2 * i] = (int) beats[i];
                flat[2 * i + 1] = (int) (beats[i] >>> 32);
            }
        }
        NativeBridge.push(h(), model.streamIndex(s), flat, last, beats.length);
    }

    /** Queues beats given as 32-bit words each, least significant word first. */
    public void push(String stream, int[][] beats, boolean[] last) {
        StreamSpec s = inputStream(stream);
        if (last.length != beats.length) throw new IllegalArgumentException("beats and last flags differ in length");
        int n = s.words();
        int[] flat = new int[beats.length * n];
        for (int i = 0; i < beats.length; i++) {
            if (beats[i].length > n) {
                throw new IllegalArgumentException("beat " + i + " of " + stream + " has " + beats[i].length + " words, max " + n);
            }
            System.arraycopy(beats[i], 0, flat, i * n, beats[i].length);
        }
        // Extra bits above the data width are masked by the shim when driven.
        NativeBridge.push(h(), model.streamIndex(s), flat, last, beats.length);
    }

    /** Adds to the number of beats {@link #run} waits for on an output stream. */
    public void expect(String stream, int beats) {
        StreamSpec s = model.stream(stream);
        if (s.input()) throw new IllegalArgumentException("stream " + stream + " of " + model.top() + " is an input");
        NativeBridge.expect(h(), model.streamIndex(s), beats);
    }

    /**
     * Seeds the random handshake gaps: each cycle an idle input stream offers its next
     * beat with probability validPct%, and each output's ready is high with readyPct%.
     */
    public void backpressure(long seed, int validPct, int readyPct) {
        if (validPct < 1 || validPct > 100 || readyPct < 1 || readyPct > 100) {
            throw new IllegalArgumentException("percentages must be 1..100 so runs can finish");
        }
        NativeBridge.backpressure(h(), seed, validPct, readyPct);
    }

    /**
     * Runs until every input queue is drained and every output has its expected beats.
     * Returns the cycles run, or {@link #BUDGET_EXHAUSTED}.
     */
    public long run(long budget) {
        return NativeBridge.run(h(), -1, budget);
    }

    /** Runs until the 1-bit port reads 1 (queues do not matter), or the budget ends. */
    public long runUntil(String donePort, long budget) {
        narrow(donePort);
        return NativeBridge.run(h(), model.portIndex(donePort), budget);
    }

    /** Beats captured on an output stream and not yet popped. */
    public long available(String stream) {
        StreamSpec s = model.stream(stream);
        if (s.input()) throw new IllegalArgumentException("stream " + stream + " of " + model.top() + " is an input");
        return NativeBridge.available(h(), model.streamIndex(s));
    }

    /** Takes all beats captured so far on an output stream. */
    public Beats pop(String stream) {
        StreamSpec s = model.stream(stream);
        if (s.input()) throw new IllegalArgumentException("stream " + stream + " of " + model.top() + " is an input");
        int idx = model.streamIndex(s);
        int n = Math.toIntExact(NativeBridge.available(h(), idx));
        int[] flat = new int[n * s.words()];
        boolean[] last = new boolean[n];
        int got = NativeBridge.pop(h(), idx, flat, last, n);
        // Beats keeps the flat array as is: no per-beat int[] (see Beats). The copies
        // only happen if the native side returned fewer beats than it announced.
        if (got < n) {
            flat = Arrays.copyOf(flat, got * s.words());
            last = Arrays.copyOf(last, got);
        }
        return new Beats(s.width(), flat, last);
    }

    @Override
    public void close() {
        if (handle != 0) {
            NativeBridge.destroy(handle);
            handle = 0;
        }
    }

    private long h() {
        if (handle == 0) throw new IllegalStateException("instance of " + model.top() + " is closed");
        return handle;
    }

    private StreamSpec inputStream(String stream) {
        StreamSpec s = model.stream(stream);
        if (!s.input()) throw new IllegalArgumentException("stream " + stream + " of " + model.top() + " is an output");
        return s;
    }

    private PortSpec narrow(String port) {
        PortSpec p = model.port(port);
        if (p.width() > 64) {
            throw new IllegalArgumentException("port " + port + " of " + model.top() + " is " + p.width() + " bits; use pokeWide/peekWide");
        }
        return p;
    }
}
