package dev.vitforge.hwgen.selector;

import java.util.ArrayList;
import java.util.List;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * One of the selector's small dense layers (in_proj d x d, mlp.0's local half, mlp.1, mlp.2) as a
 * weight-resident streaming kernel: y = W x + b per row, int8 weights and inputs, int32
 * accumulators that wrap as Java's int does (the {@code QuantLinear.run} result on any executor).
 *
 * <p>Why its own array and not the GEMM engine: the selector's layers are at most d x d = 64 x 64
 * (4 KiB of weights), so they stay on chip, and a selector that is to cost little beside the
 * encoder block must run while the engine is busy with the block (the tokens come out of the
 * preceding block's fc2 one row tile at a time). An array of N x c multipliers keeps up with that
 * stream at c = 4 for DeiT-T/S/B; the engine would have to stop the block for it.
 *
 * <p>Output-stationary, k-serial: every cycle one chunk of c inputs meets the c weights of every
 * output (N x c multipliers), and N accumulators take the sums. A row of K inputs takes K / c
 * cycles. Its N results move to an output register that drains ceil(N / L) beats while the next
 * row accumulates; when the drain is the longer (the head gate's N = H outputs from hg inputs), the
 * next row's last chunk waits for it and the rows leave back to back at one per ceil(N / L) cycles.
 *
 * <p>Ports: stream {@code param} (8 N c bits): K / c weight beats, beat q holding W[o][q c + j] at
 * bits [8(o c + j) + 7 : 8(o c + j)], then {@link #biasBeats} beats holding bias o at bits
 * [32 o + 31 : 32 o] of their concatenation; taken once after reset, before any data (new weights
 * need a reset). Stream {@code in}: L int8 per beat, lane j at [8j+7:8j], K / L beats per row.
 * Stream {@code out}: L int32 per beat, lane j at [32j+31:32j] = output (beat L + j) of the row,
 * zero past N, TLAST on each row's last beat.
 *
 * <p>Pipeline: the input beat register (chunk select and weight read), the weight word and the
 * chunk (products), the accumulators; {@value #LATENCY} cycles from a row's last chunk to its first
 * output beat.
 */
public final class MatVecUnit {
    /** Cycles from the cycle a row's last chunk is issued to its first output handshake at full rate. */
    public static final int LATENCY = 3;

    private MatVecUnit() {}

    /** Sizes: K inputs, N outputs, L elements per stream beat, c inputs per cycle. */
    public record Shape(int inputs, int outputs, int lanes, int chunk) {
        public Shape {
            if (inputs < 1 || outputs < 1 || lanes < 1 || chunk < 1 || inputs % lanes != 0 || lanes % chunk != 0) {
                throw new IllegalArgumentException("matvec: K = " + inputs + ", N = " + outputs + ", L = " + lanes
                        + ", c = " + chunk + " (L must divide K and c divide L)");
            }

        }

        /** Multipliers: N x c. */
        public int multipliers() {
            return outputs * chunk;
        }

        /** Cycles one row takes when nothing stalls: max(K / c, ceil(N / L)). */
        public int cyclesPerRow() {
            return Math.max(inputs / chunk, outBeats());
        }

        public int inBeats() {
            return inputs / lanes;
        }

        public int outBeats() {
            return (outputs + lanes - 1) / lanes;
        }

        int chunks() {
            return inputs / chunk;
        }

        int paramWidth() {
            return 8 * outputs * chunk;
        }

        public String moduleName() {
            return "selector_matvec_k" + inputs + "_n" + outputs + "_l" + lanes + "_c" + chunk;
        }
    }

    public static Design design(Shape s) {
        return Design.of(generate(s.moduleName(), s), "MatVecUnit.design(" + s + ")");
    }

    /** Beats after the weights that carry the N int32 biases: ceil(32 N / (8 N c)) = ceil(4 / c). */
    public static int biasBeats(Shape s) {
        return (4 + s.chunk() - 1) / s.chunk();
    }

    /** Every {@code param} beat, as 32-bit words least significant first: weights W[o][k] (N x K), then biases. */
    public static int[][] paramBeats(Shape s, byte[] weights, int[] bias) {
        if (weights.length != s.outputs() * s.inputs() || bias.length != s.outputs()) {
            throw new IllegalArgumentException("matvec " + s + ": " + weights.length + " weights, " + bias.length
                    + " biases");
        }
        int words = (s.paramWidth() + 31) / 32;
        int[][] beats = new int[s.chunks() + biasBeats(s)][words];
        for (int q = 0; q < s.chunks(); q++) {
            for (int o = 0; o < s.outputs(); o++) {
                for (int j = 0; j < s.chunk(); j++) {
                    int bitPos = 8 * (o * s.chunk() + j);
                    beats[q][bitPos / 32] |= (weights[o * s.inputs() + q * s.chunk() + j] & 0xFF) << (bitPos % 32);
                }
            }
        }
        for (int o = 0; o < s.outputs(); o++) { // a bias may straddle two beats when 8 N c is not a multiple of 32
            for (int bit = 0; bit < 32; bit++) {
                long at = 32L * o + bit;
                int beat = s.chunks() + (int) (at / s.paramWidth());
                int inBeat = (int) (at % s.paramWidth());
                beats[beat][inBeat / 32] |= ((bias[o] >>> bit) & 1) << (inBeat % 32);
            }
        }
        return beats;
    }

    /** The reference: bias + W x per row, wrapping like Java's int ({@code QuantLinear.run}). */
    public static int[] reference(Shape s, byte[] weights, int[] bias, byte[] x) {
        int rows = x.length / s.inputs();
        int[] y = new int[rows * s.outputs()];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < s.outputs(); o++) {
                int acc = 0;
                for (int k = 0; k < s.inputs(); k++) {
                    acc += weights[o * s.inputs() + k] * x[r * s.inputs() + k];
                }
                y[r * s.outputs() + o] = acc + bias[o];
            }
        }
        return y;
    }

    /**
     * Cycles from the first {@code param} handshake to the last output handshake with every stream at
     * full rate: the parameters (P beats), the first input beat's register, the first row's K / c chunks
     * and {@link #LATENCY}, its output beats, then a row per {@link Shape#cyclesPerRow}:
     * {@code P + LATENCY + K / c + ceil(N / L) + (rows - 1) max(K / c, ceil(N / L))}.
     */
    public static long cycles(Shape s, int rows) {
        long params = s.chunks() + biasBeats(s);
        if (rows == 0) {
            return params;
        }
        return params + LATENCY + s.chunks() + s.outBeats() + (long) (rows - 1) * s.cyclesPerRow();
    }

    public static Module generate(String name, Shape s) {
        int k = s.inputs();
        int n = s.outputs();
        int lanes = s.lanes();
        int c = s.chunk();
        int steps = lanes / c;
        int outBeats = s.outBeats();
        ModuleBuilder m = new ModuleBuilder(name, "selector dense layer, weights on chip: " + n + " x " + k
                + " int8, " + c + " inputs per cycle (" + s.multipliers() + " multipliers), " + lanes
                + " elements per beat");
        m.parameter("INPUTS", k);
        m.parameter("OUTPUTS", n);
        m.parameter("LANES", lanes);
        m.parameter("CHUNK", c);
        StreamPort param = StreamPort.input(m, "param", s.paramWidth(), false);
        StreamPort in = StreamPort.input(m, "in", 8 * lanes, false);
        StreamPort out = StreamPort.output(m, "out", 32 * lanes, true);

        // Parameters: the weight chunks into a memory, the biases into registers, then `loaded`.
        int paramBeats = s.chunks() + biasBeats(s);
        Signal loaded = m.register("loaded", 1, 0);
        Signal paramCount = m.register("param_count", bits(paramBeats), 0);
        Expr paramTake = m.let("param_take", and(param.valid().ref(), not(loaded.ref())));
        m.assign(param.ready(), not(loaded.ref()));
        m.next(paramCount, paramTake, truncate(add(paramCount.ref(), constant(1, 1)), paramCount.width()));
        m.next(loaded, paramTake, eq(paramCount.ref(), constant(paramBeats - 1, paramCount.width())));
        ModuleBuilder.MemoryBuilder weights = m.memory("weight_chunks", s.paramWidth(), s.chunks());
        int aw = weights.addressWidth();
        Expr isWeightBeat = lt(paramCount.ref(), constant(s.chunks(), paramCount.width()));
        Expr writeAddress = paramCount.width() >= aw ? truncate(paramCount.ref(), aw)
                : extend(paramCount.ref(), aw);
        weights.write(and(paramTake, isWeightBeat), writeAddress, param.data().ref());
        List<Expr> biasParts = new ArrayList<>();
        for (int b = 0; b < biasBeats(s); b++) {
            int width = Math.min(32 * n - b * s.paramWidth(), s.paramWidth());
            Signal part = m.register("bias_part" + b, width, false, null);
            m.next(part, and(paramTake, eq(paramCount.ref(), constant(s.chunks() + b, paramCount.width()))),
                    slice(param.data().ref(), width - 1, 0));
            biasParts.add(0, part.ref());
        }
        Expr bias = m.let("bias", concat(biasParts));

        // One advance for the whole pipeline; it holds only while a finished row waits for the output
        // register, which frees on the cycle its last beat leaves.
        Signal rowValid = m.register("row_valid", 1, 0);
        Signal outBeat = m.register("out_beat", bits(outBeats), 0);
        Expr lastOutBeat = m.let("last_out_beat", eq(outBeat.ref(), constant(outBeats - 1, outBeat.width())));
        Expr rowFrees = m.let("row_frees", or(not(rowValid.ref()), and(out.ready().ref(), lastOutBeat)));
        Signal cValid = m.register("sum_valid", 1, 0);
        Signal cLast = m.register("sum_last", 1, 0);
        Expr advance = m.let("advance", or(not(and(cValid.ref(), cLast.ref())), rowFrees));

        // Stage A: the input beat, spent one chunk of c per cycle; `step` picks the chunk, `beat` counts
        // beats within a row.
        Signal aValid = m.register("beat_valid", 1, 0);
        Signal step = m.register("beat_step", bits(steps), 0);
        Signal beatInRow = m.register("beat_in_row", bits(s.inBeats()), 0);
        Signal xBeat = m.register("beat_data", 8 * lanes, false, null);
        Expr lastStep = m.let("last_step", eq(step.ref(), constant(steps - 1, step.width())));
        Expr issue = m.let("issue", and(aValid.ref(), advance));
        Expr beatDone = m.let("beat_done", and(issue, lastStep));
        Expr inReady = m.let("in_ready", and(loaded.ref(), or(not(aValid.ref()), beatDone)));
        m.assign(in.ready(), inReady);
        Expr inFire = m.let("in_fire", and(inReady, in.valid().ref()));
        m.next(xBeat, inFire, in.data().ref());
        m.next(aValid, or(inFire, beatDone), inFire);
        m.next(step, or(inFire, issue), mux(or(inFire, lastStep), constant(0, step.width()),
                truncate(add(step.ref(), constant(1, 1)), step.width())));
        Expr lastBeatInRow = eq(beatInRow.ref(), constant(s.inBeats() - 1, beatInRow.width()));
        m.next(beatInRow, beatDone, mux(lastBeatInRow, constant(0, beatInRow.width()),
                truncate(add(beatInRow.ref(), constant(1, 1)), beatInRow.width())));
        // The chunk index q = beat * steps + step addresses the weight memory (a synchronous read).
        int qw = bits(s.chunks());
        Expr chunkIndex = m.let("chunk_index", truncate(add(mul(extend(beatInRow.ref(), qw),
                constant(steps, qw)), extend(step.ref(), qw)), qw));
        Expr readAddress = qw >= aw ? truncate(chunkIndex, aw) : extend(chunkIndex, aw);
        Signal w = weights.read("read", issue, readAddress);
        List<Expr> chunks = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            chunks.add(slice(xBeat.ref(), 8 * c * (i + 1) - 1, 8 * c * i));
        }
        Expr xChunk = Arith.select(chunks, step.ref());

        // Stage B: the chunk beside its weight word; the products and their sum per output.
        Expr bx = GeluUnit.stage(m, "chunk_x", advance, xChunk);
        Expr bValid = GeluUnit.flag(m, "chunk_valid", advance, issue);
        Expr bFirst = GeluUnit.flag(m, "chunk_first", advance, eq(chunkIndex, constant(0, qw)));
        Expr bLast = GeluUnit.flag(m, "chunk_last", advance, eq(chunkIndex, constant(s.chunks() - 1, qw)));
        int sumWidth = 16 + bits(c);
        List<Expr> sums = new ArrayList<>();
        for (int o = 0; o < n; o++) {
            Expr sum = null;
            for (int j = 0; j < c; j++) {
                int at = 8 * (o * c + j);
                Expr product = mul(asSigned(slice(w.ref(), at + 7, at)), asSigned(slice(bx, 8 * j + 7, 8 * j)));
                Expr wide = extend(product, sumWidth);
                sum = sum == null ? wide : truncate(add(sum, wide), sumWidth);
            }
            sums.add(GeluUnit.stage(m, "partial" + o, advance, sum));
        }
        m.next(cValid, advance, bValid);
        m.next(cLast, advance, bLast);
        Expr cFirst = GeluUnit.flag(m, "sum_first", advance, bFirst);

        // Stage C: acc = (first ? bias : acc) + partial, wrapping at 32 bits; a row's last chunk goes to
        // the output register instead.
        Expr take = m.let("take", and(advance, cValid.ref()));
        List<Expr> rowParts = new ArrayList<>();
        for (int o = 0; o < n; o++) {
            Signal acc = m.register("acc" + o, 32, true, null);
            Expr base = mux(cFirst, asSigned(slice(bias, 32 * o + 31, 32 * o)), acc.ref());
            Expr next = m.let("acc" + o + "_next", truncate(add(base, extend(sums.get(o), 32)), 32));
            m.next(acc, take, next);
            Signal result = m.register("result" + o, 32, true, null);
            m.next(result, and(take, cLast.ref()), next);
            rowParts.add(0, asUnsigned(result.ref()));
        }
        Expr rowDone = m.let("row_done", and(take, cLast.ref()));
        Expr outFire = m.let("out_fire", out.fire());
        m.next(rowValid, or(rowDone, and(outFire, lastOutBeat)), rowDone);
        m.next(outBeat, or(rowDone, outFire), mux(or(rowDone, lastOutBeat), constant(0, outBeat.width()),
                truncate(add(outBeat.ref(), constant(1, 1)), outBeat.width())));
        int padded = outBeats * lanes;
        if (padded > n) {
            rowParts.add(0, constant(0, 32 * (padded - n)));
        }
        Expr row = concat(rowParts);
        List<Expr> beats = new ArrayList<>();
        for (int b = 0; b < outBeats; b++) {
            beats.add(slice(row, 32 * lanes * (b + 1) - 1, 32 * lanes * b));
        }
        m.assign(out.valid(), rowValid.ref());
        m.assign(out.data(), Arith.select(beats, outBeat.ref()));
        m.assign(out.last(), lastOutBeat);
        return m.build();
    }

    private static int bits(int count) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(count));
    }
}
