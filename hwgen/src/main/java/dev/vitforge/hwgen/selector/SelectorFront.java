package dev.vitforge.hwgen.selector;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * The selector's per-token front half as one on-chip stream, so that it can run while the GEMM
 * engine still computes the preceding block (the tokens leave that block's fc2 one row tile at a
 * time): LayerNorm of each head row, in_proj, GELU, and mlp.0's local half, with no trip to memory
 * between them. Everything here is per head row; what needs all tokens (the global half's token
 * means, and so the rest of the MLP and the decision) comes after the last token.
 *
 * <pre>
 *   in (L x int32) -> LayerNorm -+-> in_proj (MatVec d x d) -> GELU -+-> mlp.0 local (MatVec d/2 x d/2) -> local_acc
 *                                |                                    +-> global_u (u's second half) -> column sums -> global_mean
 *                                +-> row_mean (the head gate's channel mean, one byte a row)
 * </pre>
 *
 * <p>Rows are head rows of d elements, L per beat, in any order (token-major as the block emits
 * them). The stages are the stand-alone kernels ({@link LayerNormUnit}, {@link MatVecUnit},
 * {@link GeluUnit}) joined by their valid/ready handshakes: the LayerNorm's output forks to in_proj
 * and, on a row's last beat, to {@code row_mean}; the GELU's output beats go to mlp.0 for the
 * first d/2 elements of a row and to {@code global_u} for the rest. In steady state a row takes
 * in_proj's d / c1 cycles; shapes where another stage would be slower are refused.
 *
 * <p>Ports: the LayerNorm's config as {@code ln_eps}, {@code ln_out_mult}, {@code ln_out_shift},
 * {@code ln_mean_mult}, {@code ln_mean_shift} (its width is d); the GELU's as {@code gelu_b},
 * {@code gelu_c}, {@code gelu_out_mult}, {@code gelu_out_shift} (its channels are d); parameter
 * streams {@code ln_param}, {@code in_proj_param}, {@code gelu_param}, {@code mlp0_param} in the
 * kernels' formats (the MatVec biases: in_proj's, and zero for mlp.0 whose bias the caller adds
 * with the global half); streams {@code in}, {@code local_acc} (L x int32, TLAST per row),
 * {@code global_u} (L x int8, TLAST per row; the token means below come from it inside, so a
 * design that does not read it ties its tready high), {@code row_mean} (int8, TLAST always 1); and the
 * global half's token means: config {@code heads} (H in 1..maxHeads, not checked in hardware; rows
 * alternate heads token by token),
 * {@code rows} (n H, the rows of one set), {@code token_mean_mult}/{@code token_mean_shift} (the
 * run-time reciprocal of n), stream {@code global_mean} (L x int8, H d / (2L) beats after the set's
 * last row, head-major, TLAST on the last). The group-mean pass the selector unit makes over
 * u's global half is gone: the sums build up while the rows stream.
 */
public final class SelectorFront {
    private SelectorFront() {}

    /** d, L, the inputs per cycle of in_proj (c1) and of mlp.0's local half (c2), and the most heads H. */
    public record Shape(int headDim, int lanes, int inProjChunk, int mlp0Chunk, int maxHeads) {
        public Shape {
            if (maxHeads < 1) {
                throw new IllegalArgumentException("selector front: at least one head, got " + maxHeads);
            }
            if (inProjChunk < 1 || lanes % inProjChunk != 0) {
                throw new IllegalArgumentException("selector front: in_proj's " + inProjChunk + " inputs per cycle "
                        + "must divide L = " + lanes);
            }
            if (headDim < 2 || headDim % 2 != 0 || (headDim / 2) % lanes != 0) {
                throw new IllegalArgumentException("selector front: L = " + lanes + " must divide d / 2, d = "
                        + headDim);
            }
            // in_proj sets the pace: mlp.0's row, and the GELU's beats of a row (mlp.0 takes a local
            // one every L / c2 cycles, the global ones follow), must fit in in_proj's d / c1 cycles, or
            // rows would queue and the model below would not hold.
            int perRow = headDim / inProjChunk;
            int half = headDim / 2;
            int halfBeats = half / lanes;
            if (mlp0Chunk < 1 || lanes % mlp0Chunk != 0 || half / mlp0Chunk > perRow
                    || (halfBeats - 1) * (lanes / mlp0Chunk) + 1 + halfBeats > perRow) {
                throw new IllegalArgumentException("selector front: mlp.0 at " + mlp0Chunk + " inputs per cycle "
                        + "cannot keep up with in_proj at " + inProjChunk + " (d = " + headDim + ", L = " + lanes + ")");
            }
            // The model also needs in_proj's weights in when the LayerNorm's first row reaches in_proj, and
            // the GELU's table (d beats) in when in_proj's first result reaches the GELU.
            long lnFirstOut = LayerNormUnit.cycles(headDim, 1, lanes) - headDim / lanes;
            long weights = headDim / inProjChunk + (4 + inProjChunk - 1) / inProjChunk;
            long firstAcc = lnFirstOut + perRow + MatVecUnit.LATENCY;
            if (weights > lnFirstOut || headDim > firstAcc) {
                throw new IllegalArgumentException("selector front: in_proj's weights (" + weights + " beats, needed "
                        + "at cycle " + lnFirstOut + ") or the GELU table (" + headDim + " beats, needed at cycle "
                        + firstAcc + ") would still be loading (d = " + headDim + ", L = " + lanes + ")");
            }
        }

        public MatVecUnit.Shape inProj() {
            return new MatVecUnit.Shape(headDim, headDim, lanes, inProjChunk);
        }

        public MatVecUnit.Shape mlp0() {
            return new MatVecUnit.Shape(headDim / 2, headDim / 2, lanes, mlp0Chunk);
        }

        /** Cycles a head row takes in steady state: in_proj's d / c1, the slowest stage by construction. */
        public int cyclesPerRow() {
            return inProj().cyclesPerRow();
        }

        /** The multipliers of the two dense layers (the LayerNorm's and GELU's are their own). */
        public int multipliers() {
            return inProj().multipliers() + mlp0().multipliers();
        }

        /** Beats of L int8 carrying every head's token means: H_max x d / (2 L). */
        public int meanBeats(int heads) {
            return heads * (headDim / 2 / lanes);
        }

        public String moduleName() {
            return "selector_front_d" + headDim + "_l" + lanes + "_c" + inProjChunk + "_" + mlp0Chunk + "_h" + maxHeads;
        }
    }

    /**
     * Cycles from the first handshake to the last output handshake for {@code rows} head rows of
     * {@code heads} heads with every stream at full rate (all four parameter streams loading at once):
     * the LayerNorm's first row ({@code LayerNormUnit.cycles(d, 1, L) - d / L}), in_proj's input
     * register, a row every d / c1 cycles, then the last row through in_proj's and the GELU's
     * latencies; from there either mlp.0's input register, row and latency to its last output beat,
     * or the row's last global beat (after mlp.0 took the local ones, one per L / c2 cycles), the
     * sums' register and the mean register, then one beat per {@link Shape#meanBeats} - whichever ends later.
     */
    public static long cycles(Shape s, int rows, int heads) {
        int d = s.headDim();
        int lanes = s.lanes();
        MatVecUnit.Shape mlp0 = s.mlp0();
        int halfBeats = d / 2 / lanes;
        long lnFirstOut = LayerNormUnit.cycles(d, 1, lanes) - d / lanes;
        long firstU = lnFirstOut + (long) rows * s.cyclesPerRow() + MatVecUnit.LATENCY + GeluUnit.LATENCY;
        long localEnd = firstU + 1 + mlp0.cyclesPerRow() - 1 + MatVecUnit.LATENCY + mlp0.outBeats();
        long lastGlobal = firstU + (long) (halfBeats - 1) * (lanes / s.mlp0Chunk()) + halfBeats;
        long meansEnd = lastGlobal + 2 + s.meanBeats(heads);
        return Math.max(localEnd, meansEnd);
    }

    public static Design design(Shape s) {
        return Design.of(generate(s.moduleName(), s), "SelectorFront.design(" + s + ")");
    }

    public static Module generate(String name, Shape s) {
        int d = s.headDim();
        int lanes = s.lanes();
        ModuleBuilder m = new ModuleBuilder(name, "selector front half, head rows of " + d + ": LayerNorm, in_proj, "
                + "GELU, mlp.0 local half; " + lanes + " elements per beat, " + s.cyclesPerRow() + " cycles a row");
        m.parameter("HEAD_DIM", d).parameter("LANES", lanes);
        Expr clk = m.clock().ref();
        Expr rstN = m.resetN().ref();
        Module ln = LayerNormUnit.generate(name + "_layernorm", d, lanes);
        Module inProj = MatVecUnit.generate(name + "_in_proj", s.inProj());
        Module gelu = GeluUnit.generate(name + "_gelu", d, lanes);
        Module mlp0 = MatVecUnit.generate(name + "_mlp0_local", s.mlp0());

        StreamPort in = StreamPort.input(m, "in", 32 * lanes, false);
        StreamPort localAcc = StreamPort.output(m, "local_acc", 32 * lanes, true);
        StreamPort globalU = StreamPort.output(m, "global_u", 8 * lanes, true);
        StreamPort rowMean = StreamPort.output(m, "row_mean", 8, true);

        // LayerNorm: rows of d from `in`.
        Map<String, Expr> lnIn = Wiring.common(clk, rstN);
        lnIn.put("width", constant(d, ln.port("width").orElseThrow().width()));
        lnIn.put("eps", m.input("ln_eps", 64).ref());
        lnIn.put("out_mult", m.input("ln_out_mult", Arith.MULT_WIDTH).ref());
        lnIn.put("out_shift", m.input("ln_out_shift", Arith.SHIFT_WIDTH).ref());
        lnIn.put("mean_mult", m.input("ln_mean_mult", Arith.MULT_WIDTH).ref());
        lnIn.put("mean_shift", m.input("ln_mean_shift", Arith.SHIFT_WIDTH).ref());
        Wiring.passParam(m, "ln_param", ln, lnIn);
        lnIn.put("in_tvalid", in.valid().ref());
        lnIn.put("in_tdata", in.data().ref());
        Map<String, Signal> lnOut = new LinkedHashMap<>();
        lnOut.put("in_tready", in.ready());
        Signal lnValid = Wiring.wire(m, "ln_out_valid", 1, lnOut, "out_tvalid");
        Signal lnData = Wiring.wire(m, "ln_out_data", 8 * lanes + 8, lnOut, "out_tdata");
        Signal lnLast = Wiring.wire(m, "ln_out_last", 1, lnOut, "out_tlast");
        Signal lnReady = m.wire("ln_out_ready", 1);
        lnIn.put("out_tready", lnReady.ref());
        Wiring.readyOut(m, lnOut, "ln_param");

        // Fork: every beat to in_proj, a row's last beat also to row_mean. Each side offers the beat until
        // it has taken it (a `taken` flag each), whatever the other side does, so neither valid depends on
        // the other's ready (AXI-Stream); the LayerNorm moves on once both have it.
        Signal projReady = m.wire("in_proj_in_ready", 1);
        Signal projTaken = m.register("fork_proj_taken", 1, 0);
        Signal meanTaken = m.register("fork_mean_taken", 1, 0);
        Expr projValid = m.let("fork_proj_valid", and(lnValid.ref(), not(projTaken.ref())));
        Expr meanValid = m.let("fork_mean_valid", and(and(lnValid.ref(), lnLast.ref()), not(meanTaken.ref())));
        Expr projDone = m.let("fork_proj_done", or(projTaken.ref(), projReady.ref()));
        Expr meanDone = m.let("fork_mean_done", or(or(not(lnLast.ref()), meanTaken.ref()), rowMean.ready().ref()));
        Expr forkMoves = m.let("fork_moves", and(lnValid.ref(), and(projDone, meanDone)));
        m.assign(lnReady, and(projDone, meanDone));
        m.next(projTaken, mux(forkMoves, constant(0, 1), or(projTaken.ref(), and(projValid, projReady.ref()))));
        m.next(meanTaken, mux(forkMoves, constant(0, 1), or(meanTaken.ref(), and(meanValid, rowMean.ready().ref()))));
        m.assign(rowMean.valid(), meanValid);
        m.assign(rowMean.data(), slice(lnData.ref(), 8 * lanes + 7, 8 * lanes));
        m.assign(rowMean.last(), constant(1, 1));

        // in_proj, then the GELU over its row (channels = d).
        Signal geluInReady = m.wire("gelu_in_ready", 1);
        Signal uReady = m.wire("u_ready", 1);
        Wiring.Out acc = Wiring.matVec(m, "in_proj", inProj, clk, rstN, projValid, slice(lnData.ref(), 8 * lanes - 1,
                0), projReady, geluInReady.ref());
        Wiring.Out u = Wiring.gelu(m, "gelu", gelu, d, clk, rstN, acc.valid().ref(), acc.data().ref(),
                acc.last().ref(), geluInReady, uReady.ref());
        Signal uValid = u.valid();
        Signal uData = u.data();
        Signal uLast = u.last();

        Expr meansBusy = tokenMeans(m, s, globalU, uData.ref(), uLast.ref());

        // Split: the first d/2 elements of a row (local half) to mlp.0, the rest to global_u (held while
        // the previous set's means leave, so a new set never adds into sums being read out).
        int beatsPerRow = d / lanes;
        int localBeats = beatsPerRow / 2;
        int bw = Math.max(1, 32 - Integer.numberOfLeadingZeros(beatsPerRow - 1));
        Signal uBeat = m.register("u_beat", bw, 0);
        Expr local = m.let("u_is_local", lt(uBeat.ref(), constant(localBeats, bw)));
        Signal mlpReady = m.wire("mlp0_in_ready", 1);
        Expr globalOpen = m.let("global_open", not(meansBusy));
        m.assign(uReady, mux(local, mlpReady.ref(), and(globalU.ready().ref(), globalOpen)));
        Expr uFire = m.let("u_fire", and(uValid.ref(), uReady.ref()));
        m.next(uBeat, uFire, mux(uLast.ref(), constant(0, bw), truncate(add(uBeat.ref(), constant(1, 1)), bw)));
        m.assign(globalU.valid(), and(and(uValid.ref(), not(local)), globalOpen));
        m.assign(globalU.data(), uData.ref());
        m.assign(globalU.last(), uLast.ref());

        // mlp.0's local half, out on local_acc.
        Wiring.Out z = Wiring.matVec(m, "mlp0", mlp0, clk, rstN, and(uValid.ref(), local), uData.ref(), mlpReady,
                localAcc.ready().ref());
        m.assign(localAcc.valid(), z.valid().ref());
        m.assign(localAcc.data(), z.data().ref());
        m.assign(localAcc.last(), z.last().ref());

        m.instance("layernorm", ln, lnIn, lnOut);
        return m.build();
    }

    /**
     * The global half's token means ({@code SelectorKernels.groupMean} of u's second half per head and
     * channel over the n tokens): every beat that leaves on {@code global_u} is added into its head's
     * column sums (rows alternate heads 0..H-1, token by token); after {@code rows} rows the sums leave as
     * int8 means on {@code global_mean}, {@code Requant(token_mean_mult, token_mean_shift).toInt8(sum)}
     * lane by lane, H * d / (2L) beats (head-major, TLAST on the last), and clear for the next set. The
     * sums are 32-bit: n int8 values need 8 + log2 n bits, and Requant's product of a 32-bit sum and a
     * 31-bit multiplier is exact in a long.
     */
    private static Expr tokenMeans(ModuleBuilder m, Shape s, StreamPort globalU, Expr uData, Expr uLast) {
        int lanes = s.lanes();
        int halfBeats = s.headDim() / 2 / lanes;
        int entries = s.maxHeads() * halfBeats;
        int hw = Math.max(1, 32 - Integer.numberOfLeadingZeros(s.maxHeads()));
        Signal heads = m.input("heads", hw);
        Signal rows = m.input("rows", 24);
        Signal mult = m.input("token_mean_mult", Arith.MULT_WIDTH);
        Signal shift = m.input("token_mean_shift", Arith.SHIFT_WIDTH);
        StreamPort means = StreamPort.output(m, "global_mean", 8 * lanes, true);

        int ew = Math.max(1, 32 - Integer.numberOfLeadingZeros(entries - 1));
        int bw = Math.max(1, 32 - Integer.numberOfLeadingZeros(halfBeats - 1));
        Signal head = m.register("sum_head", hw, 0);
        Signal beat = m.register("sum_beat", bw, 0);
        Signal rowCount = m.register("sum_rows", 24, 0);
        Signal emitting = m.register("means_emitting", 1, 0);
        Signal emitIndex = m.register("means_index", ew, 0);
        Signal meanValid = m.register("mean_valid", 1, 0);
        Signal meanLast = m.register("mean_last", 1, 0);
        Signal meanData = m.register("mean_data", 8 * lanes, false, null);

        Expr take = m.let("sum_take", and(globalU.valid().ref(), globalU.ready().ref()));
        Expr entry = m.let("sum_entry", truncate(add(mul(extend(head.ref(), ew + hw), constant(halfBeats, ew + hw)),
                extend(beat.ref(), ew + hw)), ew));
        Expr lastHead = eq(head.ref(), truncate(sub(heads.ref(), constant(1, 1)), hw));
        m.next(beat, take, mux(uLast, constant(0, bw), truncate(add(beat.ref(), constant(1, 1)), bw)));
        m.next(head, and(take, uLast), mux(lastHead, constant(0, hw), truncate(add(head.ref(), constant(1, 1)), hw)));
        Expr rowsDone = m.let("sum_rows_done", eq(truncate(add(rowCount.ref(), constant(1, 1)), 24), rows.ref()));
        Expr setDone = m.let("sum_set_done", and(take, and(uLast, rowsDone)));
        m.next(rowCount, and(take, uLast), mux(rowsDone, constant(0, 24), truncate(add(rowCount.ref(),
                constant(1, 1)), 24)));

        // The output register advances when empty or taken; the last mean beat clears the sums.
        Expr meanAdvance = m.let("mean_advance", or(not(meanValid.ref()), means.ready().ref()));
        Expr emit = m.let("mean_emit", and(emitting.ref(), meanAdvance));
        Expr lastEntry = m.let("mean_last_entry", eq(extend(emitIndex.ref(), ew + hw),
                truncate(sub(mul(extend(heads.ref(), ew + hw), constant(halfBeats, ew + hw)), constant(1, 1)), ew + hw)));
        Expr finish = m.let("mean_finish", and(emit, lastEntry));
        m.next(emitting, or(setDone, finish), setDone);
        m.next(emitIndex, or(setDone, emit), mux(or(setDone, lastEntry), constant(0, ew),
                truncate(add(emitIndex.ref(), constant(1, 1)), ew)));

        java.util.List<java.util.List<Expr>> byLane = new java.util.ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            byLane.add(new java.util.ArrayList<>());
        }
        for (int e = 0; e < entries; e++) {
            Expr here = m.let("sum_here" + e, and(take, eq(entry, constant(e, ew))));
            for (int l = 0; l < lanes; l++) {
                // Reset to 0 like the counters, so a reset in the middle of a set leaves no partial sums.
                Signal sum = m.register("colsum" + e + "_" + l, 32, true, 0L);
                Expr u = asSigned(slice(uData, 8 * l + 7, 8 * l));
                m.next(sum, or(here, finish), mux(finish, signedConstant(0, 32),
                        truncate(add(sum.ref(), extend(u, 32)), 32)));
                byLane.get(l).add(sum.ref());
            }
        }
        java.util.List<Expr> laneMeans = new java.util.ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            Expr sum = m.let("mean_sum" + l, Arith.select(byLane.get(l), emitIndex.ref()));
            Expr mean = Arith.requant(m, "token_mean" + l, sum, mult.ref(), shift.ref(), 8);
            laneMeans.add(0, asUnsigned(mean));
        }
        m.next(meanData, emit, concat(laneMeans));
        m.next(meanValid, meanAdvance, emitting.ref());
        m.next(meanLast, meanAdvance, lastEntry);
        m.assign(means.valid(), meanValid.ref());
        m.assign(means.data(), meanData.ref());
        m.assign(means.last(), meanLast.ref());
        return emitting.ref();
    }
}
