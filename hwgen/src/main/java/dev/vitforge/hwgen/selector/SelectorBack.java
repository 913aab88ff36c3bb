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
 * The selector's per-token tail as one on-chip stream, after the global half's token means are
 * known: mlp.0's accumulators (the local half from {@link SelectorFront} plus the head's global
 * half, loaded as a per-head table), GELU, mlp.1, GELU, mlp.2, and z_keep - z_drop, one head row
 * after the other and with no trip to memory between them.
 *
 * <pre>
 *   local_acc (L x int32) + head_bias[h] -> GELU (d/2) -> mlp.1 (MatVec d/4 x d/2) -> GELU (d/4) -> mlp.2 (MatVec 2 x d/4) -> diff
 * </pre>
 *
 * <p>It runs after the barrier (the token means need every token), so it is sized to keep pace with
 * what consumes it, not to be as fast as the front: the following block's first products need only
 * its first kept tokens, and the decision and pack after it take a token per H and per D / L cycles.
 * At L = 4 each of its two GELUs is a quarter of a 16-lane one.
 *
 * <p>Ports: config {@code heads} (H in 1..maxHeads, not checked in hardware; rows alternate heads
 * token by token), each GELU's constants as
 * {@code gelu1_*} and {@code gelu2_*} ({@code _b}, {@code _c}, {@code _out_mult}, {@code _out_shift});
 * parameter streams {@code head_bias} (H d / (2L) beats of L int32: head h's d/2 global-half
 * accumulators, mlp.0's bias included, head-major; taken once after reset, before any row),
 * {@code gelu1_param}, {@code gelu2_param}, {@code mlp1_param}, {@code mlp2_param} in the kernels'
 * formats; stream {@code local_acc} (L x int32, d / (2L) beats a row); stream {@code diff} (signed
 * 64: z_keep - z_drop of the row, TLAST on a token's last head).
 */
public final class SelectorBack {
    private SelectorBack() {}

    /** d, L, the inputs per cycle of mlp.1 (c1) and mlp.2 (c2), and the most heads H. */
    public record Shape(int headDim, int lanes, int mlp1Chunk, int mlp2Chunk, int maxHeads) {
        public Shape {
            if (headDim < 8 || headDim % 4 != 0 || lanes < 2 || (headDim / 4) % lanes != 0 || maxHeads < 1) {
                throw new IllegalArgumentException("selector back: L = " + lanes + " >= 2 must divide d / 4, d = "
                        + headDim + ", heads " + maxHeads);
            }
            // The two dense layers' own checks (fields are not set yet in a compact constructor).
            new MatVecUnit.Shape(headDim / 2, headDim / 4, lanes, mlp1Chunk);
            new MatVecUnit.Shape(headDim / 4, 2, lanes, mlp2Chunk);
            // mlp.1 sets the pace (d / (2 c1) cycles a row); the GELUs' beats and mlp.2's row must fit in it.
            int perRow = headDim / 2 / mlp1Chunk;
            if (headDim / 2 / lanes > perRow || headDim / 4 / mlp2Chunk > perRow) {
                throw new IllegalArgumentException("selector back: mlp.1 at " + mlp1Chunk + " inputs per cycle must "
                        + "be the slowest stage (d = " + headDim + ", L = " + lanes + ", mlp.2 at " + mlp2Chunk + ")");
            }
        }

        public MatVecUnit.Shape mlp1() {
            return new MatVecUnit.Shape(headDim / 2, headDim / 4, lanes, mlp1Chunk);
        }

        public MatVecUnit.Shape mlp2() {
            return new MatVecUnit.Shape(headDim / 4, 2, lanes, mlp2Chunk);
        }

        public int cyclesPerRow() {
            return mlp1().cyclesPerRow();
        }

        /** Beats of the head-bias table for H heads. */
        public int biasBeats(int heads) {
            return heads * (headDim / 2 / lanes);
        }

        public int multipliers() {
            return mlp1().multipliers() + mlp2().multipliers();
        }

        public String moduleName() {
            return "selector_back_d" + headDim + "_l" + lanes + "_c" + mlp1Chunk + "_" + mlp2Chunk + "_h" + maxHeads;
        }
    }

    /**
     * Cycles from the first handshake to the last {@code diff} handshake for {@code rows} head rows of
     * {@code heads} heads with every stream at full rate (all parameter streams loading at once): the
     * first row is taken once the first GELU's table and the head-bias table are in
     * (max(d / 2, H d / (2L)) cycles; the dense layers' weights are in by then), mlp.1 issues a chunk
     * every cycle from the GELU's latency on, d / (2 c1) a row; then the last row through mlp.1's
     * latency, the second GELU, and mlp.2's chunks and latency to its one output beat.
     */
    public static long cycles(Shape s, int rows, int heads) {
        int d = s.headDim();
        long start = Math.max(d / 2, s.biasBeats(heads));
        MatVecUnit.Shape mlp2 = s.mlp2();
        return start + 2L * GeluUnit.LATENCY + (long) rows * s.cyclesPerRow() + MatVecUnit.LATENCY
                + mlp2.cyclesPerRow() + MatVecUnit.LATENCY + mlp2.outBeats();
    }

    public static Design design(Shape s) {
        return Design.of(generate(s.moduleName(), s), "SelectorBack.design(" + s + ")");
    }

    public static Module generate(String name, Shape s) {
        int d = s.headDim();
        int lanes = s.lanes();
        int halfBeats = d / 2 / lanes;
        ModuleBuilder m = new ModuleBuilder(name, "selector tail, head rows of " + d + ": + head bias, GELU, mlp.1, "
                + "GELU, mlp.2, z_keep - z_drop; " + lanes + " elements per beat, " + s.cyclesPerRow() + " cycles a row");
        m.parameter("HEAD_DIM", d).parameter("LANES", lanes);
        Expr clk = m.clock().ref();
        Expr rstN = m.resetN().ref();
        int hw = Math.max(1, 32 - Integer.numberOfLeadingZeros(s.maxHeads()));
        Signal heads = m.input("heads", hw);
        StreamPort biasIn = StreamPort.input(m, "head_bias", 32 * lanes, false);
        StreamPort local = StreamPort.input(m, "local_acc", 32 * lanes, false);
        StreamPort diff = StreamPort.output(m, "diff", 64, true);

        // The head-bias table: entries (head, beat of the half row), loaded in order after reset.
        int entries = s.maxHeads() * halfBeats;
        int ew = Math.max(1, 32 - Integer.numberOfLeadingZeros(entries));
        Signal loaded = m.register("bias_loaded", 1, 0);
        Signal loadIndex = m.register("bias_index", ew, 0);
        Expr biasTake = m.let("bias_take", and(biasIn.valid().ref(), not(loaded.ref())));
        m.assign(biasIn.ready(), not(loaded.ref()));
        Expr tableSize = m.let("bias_entries", truncate(mul(extend(heads.ref(), ew + hw), constant(halfBeats, ew + hw)),
                ew));
        m.next(loadIndex, biasTake, truncate(add(loadIndex.ref(), constant(1, 1)), ew));
        m.next(loaded, biasTake, eq(truncate(add(loadIndex.ref(), constant(1, 1)), ew), tableSize));
        List<Expr> table = new ArrayList<>();
        for (int e = 0; e < entries; e++) {
            Signal entry = m.register("head_bias" + e, 32 * lanes, false, null);
            m.next(entry, and(biasTake, eq(loadIndex.ref(), constant(e, ew))), biasIn.data().ref());
            table.add(entry.ref());
        }

        // local_acc + the row's head bias, lane by lane (int32 wrap), into the first GELU.
        int bw = Math.max(1, 32 - Integer.numberOfLeadingZeros(halfBeats - 1));
        Signal beat = m.register("row_beat", bw, 0);
        Signal head = m.register("row_head", hw, 0);
        Expr lastBeat = m.let("row_last_beat", eq(beat.ref(), constant(halfBeats - 1, bw)));
        Expr lastHead = m.let("row_last_head", eq(head.ref(), truncate(sub(heads.ref(), constant(1, 1)), hw)));
        Expr entry = m.let("bias_entry", truncate(add(mul(extend(head.ref(), ew + hw), constant(halfBeats, ew + hw)),
                extend(beat.ref(), ew + hw)), ew));
        Expr bias = m.let("row_bias", Arith.select(table, entry));
        List<Expr> sums = new ArrayList<>();
        for (int j = lanes - 1; j >= 0; j--) {
            sums.add(truncate(add(slice(local.data().ref(), 32 * j + 31, 32 * j), slice(bias, 32 * j + 31, 32 * j)),
                    32));
        }
        Signal gelu1Ready = m.wire("gelu1_in_ready", 1);
        m.assign(local.ready(), and(loaded.ref(), gelu1Ready.ref()));
        Expr localFire = m.let("local_fire", and(local.valid().ref(), and(loaded.ref(), gelu1Ready.ref())));
        m.next(beat, localFire, mux(lastBeat, constant(0, bw), truncate(add(beat.ref(), constant(1, 1)), bw)));
        m.next(head, and(localFire, lastBeat), mux(lastHead, constant(0, hw),
                truncate(add(head.ref(), constant(1, 1)), hw)));

        Module gelu1 = GeluUnit.generate(name + "_gelu1", d / 2, lanes);
        Module mlp1 = MatVecUnit.generate(name + "_mlp1", s.mlp1());
        Module gelu2 = GeluUnit.generate(name + "_gelu2", d / 4, lanes);
        Module mlp2 = MatVecUnit.generate(name + "_mlp2", s.mlp2());
        Signal mlp1Ready = m.wire("mlp1_in_ready", 1);
        Signal gelu2Ready = m.wire("gelu2_in_ready", 1);
        Signal mlp2Ready = m.wire("mlp2_in_ready", 1);
        Wiring.Out a1 = Wiring.gelu(m, "gelu1", gelu1, d / 2, clk, rstN, and(local.valid().ref(), loaded.ref()),
                concat(sums), lastBeat, gelu1Ready, mlp1Ready.ref());
        Wiring.Out h1 = Wiring.matVec(m, "mlp1", mlp1, clk, rstN, a1.valid().ref(), a1.data().ref(), mlp1Ready,
                gelu2Ready.ref());
        Wiring.Out a2 = Wiring.gelu(m, "gelu2", gelu2, d / 4, clk, rstN, h1.valid().ref(), h1.data().ref(),
                h1.last().ref(), gelu2Ready, mlp2Ready.ref());
        Wiring.Out z = Wiring.matVec(m, "mlp2", mlp2, clk, rstN, a2.valid().ref(), a2.data().ref(), mlp2Ready,
                diff.ready().ref());

        // z_keep - z_drop as Java's long subtraction of two ints; TLAST on the token's last head.
        Signal outHead = m.register("diff_head", hw, 0);
        Expr outLastHead = m.let("diff_last_head", eq(outHead.ref(), truncate(sub(heads.ref(), constant(1, 1)), hw)));
        Expr diffFire = m.let("diff_fire", and(z.valid().ref(), diff.ready().ref()));
        m.next(outHead, diffFire, mux(outLastHead, constant(0, hw), truncate(add(outHead.ref(), constant(1, 1)), hw)));
        Expr zKeep = asSigned(slice(z.data().ref(), 31, 0));
        Expr zDrop = asSigned(slice(z.data().ref(), 63, 32));
        m.assign(diff.valid(), z.valid().ref());
        m.assign(diff.data(), asUnsigned(truncate(sub(extend(zKeep, 64), extend(zDrop, 64)), 64)));
        m.assign(diff.last(), outLastHead);
        return m.build();
    }
}
