package dev.vitforge.hwgen.gemm;

import static dev.vitforge.hwgen.ir.Ops.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.ControlRegisters;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Hashing;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

/**
 * Generates the block-sparse GEMM engine for one {@link GemmConfig}.
 *
 * <p>Per run (ap_start): {@code tiles = ceil(m / rowTile)} row tiles. The X loader writes each
 * tile's k beats (one beat = the tile's rowTile int8 values of one column k, zero-padded past
 * m) into one half of the X buffer while the lanes compute on the other half. Each lane takes
 * its weight stream: per output block-column, the columns of its non-zero blocks, one beat per
 * k ({skip, first, k, B int8 weights}), TLAST on the column's last beat; a column without any
 * non-zero block is a single zero beat with first set and skip set. Every beat drives
 * rowTile x B multiply-accumulates into the lane's accumulators; at a column's last beat the
 * sums move to a shadow bank, which drains one Y beat per row (B int32) while the next column
 * computes. All lanes meet at a barrier at the end of each tile, when the X half is freed.
 */
public final class GemmEngine {
    private GemmEngine() {}

    public static final int ID = 0x56544647; // "VTFG"
    public static final int VERSION = 0x0001_0000;

    public static List<String> arguments(GemmConfig c) {
        List<String> a = new ArrayList<>(List.of("m", "k"));
        for (int l = 0; l < c.lanes(); l++) {
            a.add("columns_" + l);
        }
        return a;
    }

    public static final List<String> STATUS = List.of(
            "id", "version", "config_hash", "busy_cycles", "stall_in_cycles", "stall_out_cycles", "blocks_computed");

    public static ControlRegisters.Layout layout(GemmConfig c) {
        return ControlRegisters.Layout.of(arguments(c), STATUS);
    }

    /** The low 32 bits of the configuration's hash, readable at the config_hash register. */
    public static int configHash(GemmConfig c) {
        return (int) Long.parseLong(Hashing.sha256(source(c)).substring(0, 8), 16);
    }

    public static String source(GemmConfig c) {
        return "GemmEngine(" + c.tag() + ", " + Design.GENERATOR + ")";
    }

    public static Design design(GemmConfig c) {
        return Design.of(generate(c), source(c));
    }

    public static Module generate(GemmConfig c) {
        int tm = c.rowTile();
        int b = c.blockSize();
        int lanes = c.lanes();
        int log2Tm = Integer.numberOfTrailingZeros(tm);
        int log2B = Integer.numberOfTrailingZeros(b);
        ModuleBuilder m = new ModuleBuilder("gemm_engine_" + c.tag(),
                "block-sparse int8 GEMM, " + lanes + " lane(s) of " + tm + "x" + b + " multipliers");
        m.parameter("BLOCK", b).parameter("ROW_TILE", tm).parameter("LANES", lanes).parameter("MAX_K", c.maxK())
                .parameter("MAX_M", c.maxM()).parameter("MAX_COLUMNS", c.maxColumns())
                .parameter("X_COLUMNS", c.xColumns());
        // The plan's reasons stay out of the RTL: they carry predicted cycles, and identical
        // hardware must emit identical bytes (and hit the same Verilator cache entry).
        Signal clk = m.clock();
        Signal rstN = m.resetN();

        // ------------------------------------------------------------ control registers
        Module control = ControlRegisters.generate("gemm_control_" + c.tag(), layout(c));
        Map<String, Expr> controlIn = new LinkedHashMap<>();
        Map<String, Signal> controlOut = new LinkedHashMap<>();
        Map<String, Signal> args = new LinkedHashMap<>();
        for (Signal p : control.ports()) {
            String n = p.name();
            if (n.startsWith("s_axi_control_")) {
                if (p.kind() == Signal.Kind.INPUT) {
                    controlIn.put(n, m.input(n, p.width()).ref());
                } else {
                    controlOut.put(n, m.output(n, p.width()));
                }
            } else if (n.startsWith("arg_")) {
                Signal w = m.wire(n, 32);
                controlOut.put(n, w);
                args.put(n.substring(4, n.length() - "_value".length()), w);
            }
        }
        controlIn.put("clk", clk.ref());
        controlIn.put("rst_n", rstN.ref());
        Signal apStart = m.wire("ap_start", 1);
        controlOut.put("ap_start", apStart);
        controlOut.put("irq", m.output("irq", 1));

        StreamPort x = StreamPort.input(m, "x", c.xBeatWidth(), false);
        List<StreamPort> w = new ArrayList<>();
        List<StreamPort> y = new ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            w.add(StreamPort.input(m, "w" + l, c.weightBeatWidth(), true));
            y.add(StreamPort.output(m, "y" + l, c.yBeatWidth(), true));
        }

        // ------------------------------------------------------------ run control
        Signal running = m.register("running", 1, 0);
        Expr startTake = m.let("start_take", and(apStart.ref(), not(running.ref())));
        int kArgWidth = GemmConfig.bits(c.maxK());
        int log2X = Integer.numberOfTrailingZeros(c.xColumns());
        int beatWidth = c.xWordWidth();
        Signal mQ = m.register("m", c.mWidth(), 0);
        Signal kQ = m.register("x_beats", GemmConfig.bits(c.xBeats(c.maxK())), 0);
        Signal tilesQ = m.register("tiles", c.tileWidth(), 0);
        m.next(mQ, startTake, truncate(args.get("m").ref(), c.mWidth()));
        // A tile is ceil(k / xColumns) X beats.
        Expr kArg = truncate(args.get("k").ref(), kArgWidth);
        Expr kRounded = add(kArg, constant(c.xColumns() - 1, Math.max(1, log2X)));
        Expr beats = log2X == 0 ? kArg : slice(kRounded, kRounded.width() - 1, log2X);
        m.next(kQ, startTake, resize(beats, kQ.width()));
        Expr mArg = truncate(args.get("m").ref(), c.mWidth());
        Expr roundedUp = add(mArg, constant(tm - 1, Math.max(1, log2Tm)));
        Expr tiles = log2Tm == 0 ? mArg : slice(roundedUp, roundedUp.width() - 1, log2Tm);
        m.next(tilesQ, startTake, resize(tiles, c.tileWidth()));
        List<Signal> columnsQ = new ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            Signal q = m.register("columns_" + l, c.columnWidth(), 0);
            m.next(q, startTake, truncate(args.get("columns_" + l).ref(), c.columnWidth()));
            columnsQ.add(q);
        }

        // ------------------------------------------------------------ X loader (double buffer)
        Signal loadTile = m.register("load_tile", c.tileWidth(), 0);
        Signal loadK = m.register("load_beat", beatWidth, 0);
        Signal loadHalf = m.register("load_half", 1, 0);
        Signal half0Full = m.register("half0_full", 1, 0);
        Signal half1Full = m.register("half1_full", 1, 0);
        Expr loadHalfFull = mux(loadHalf.ref(), half1Full.ref(), half0Full.ref());
        m.assign(x.ready(), and(and(running.ref(), ne(loadTile.ref(), tilesQ.ref())), not(loadHalfFull)));
        Expr xFire = m.let("x_fire", x.fire());
        Expr loadEnd = m.let("load_end", and(xFire, eq(add(loadK.ref(), constant(1, 1)), kQ.ref())));
        m.next(loadK, or(xFire, startTake), mux(or(loadEnd, startTake), constant(0, beatWidth), increment(loadK.ref())));
        m.next(loadHalf, or(loadEnd, startTake), and(not(loadHalf.ref()), not(startTake)));
        m.next(loadTile, or(loadEnd, startTake), mux(startTake, constant(0, c.tileWidth()), increment(loadTile.ref())));
        ModuleBuilder.MemoryBuilder buffer = m.memory("x_buffer", c.xBeatWidth(), 2 * c.bufferHalfDepth());
        buffer.write(xFire, concat(loadHalf.ref(), loadK.ref()), x.data().ref());

        // ------------------------------------------------------------ tile sequencing
        Signal compTile = m.register("comp_tile", c.tileWidth(), 0);
        Signal compHalf = m.register("comp_half", 1, 0);
        Expr compHalfFull = mux(compHalf.ref(), half1Full.ref(), half0Full.ref());
        Expr computing = m.let("computing",
                and(and(running.ref(), ne(compTile.ref(), tilesQ.ref())), compHalfFull));
        Expr tileBase = log2Tm == 0 ? compTile.ref() : concat(compTile.ref(), constant(0, log2Tm));
        int remWidth = Math.max(c.mWidth(), tileBase.width());
        Expr remaining = m.let("remaining",
                truncate(sub(extend(mQ.ref(), remWidth), extend(tileBase, remWidth)), remWidth));
        int rw = c.rowTileWidth();
        Expr rows = m.let("tile_rows", mux(ge(remaining, constant(tm, GemmConfig.bits(tm))),
                constant(tm, rw), resize(remaining, rw)));
        Expr lastTile = m.let("last_tile", eq(add(compTile.ref(), constant(1, 1)), tilesQ.ref()));

        List<Expr> laneIdle = new ArrayList<>();
        List<Expr> shadowBusyAll = new ArrayList<>();
        List<Expr> stallIn = new ArrayList<>();
        List<Expr> stallOut = new ArrayList<>();
        List<Expr> blockStarts = new ArrayList<>();
        Signal barrierWire = m.wire("barrier", 1);
        for (int l = 0; l < lanes; l++) {
            Lane lane = new Lane(m, c, l, w.get(l), y.get(l), buffer, compHalf.ref(), computing, rows, lastTile,
                    columnsQ.get(l).ref(), barrierWire.ref(), log2B);
            laneIdle.add(lane.idle);
            shadowBusyAll.add(lane.shadowBusy);
            stallIn.add(and(w.get(l).ready().ref(), not(w.get(l).valid().ref())));
            stallOut.add(and(y.get(l).valid().ref(), not(y.get(l).ready().ref())));
            blockStarts.add(lane.blockStart);
        }
        Expr allIdle = laneIdle.stream().reduce((a, e) -> and(a, e)).orElseThrow();
        m.assign(barrierWire, and(computing, allIdle));
        m.next(compTile, or(barrierWire.ref(), startTake),
                mux(startTake, constant(0, c.tileWidth()), increment(compTile.ref())));
        m.next(compHalf, or(barrierWire.ref(), startTake), and(not(compHalf.ref()), not(startTake)));
        Expr free0 = and(barrierWire.ref(), not(compHalf.ref()));
        Expr free1 = and(barrierWire.ref(), compHalf.ref());
        m.next(half0Full, or(and(loadEnd, not(loadHalf.ref())), and(half0Full.ref(), not(free0))));
        m.next(half1Full, or(and(loadEnd, loadHalf.ref()), and(half1Full.ref(), not(free1))));

        Expr anyShadowBusy = shadowBusyAll.stream().reduce((a, e) -> or(a, e)).orElseThrow();
        Expr finished = m.let("finished",
                and(and(running.ref(), eq(compTile.ref(), tilesQ.ref())), not(anyShadowBusy)));
        m.next(running, or(startTake, and(running.ref(), not(finished))));

        // ------------------------------------------------------------ performance counters
        Expr anyStallIn = stallIn.stream().reduce((a, e) -> or(a, e)).orElseThrow();
        Expr anyStallOut = stallOut.stream().reduce((a, e) -> or(a, e)).orElseThrow();
        Signal busy = counter(m, "busy_cycles", startTake, running.ref());
        Signal stallInQ = counter(m, "stall_in_cycles", startTake, and(running.ref(), anyStallIn));
        Signal stallOutQ = counter(m, "stall_out_cycles", startTake, and(running.ref(), anyStallOut));
        Signal blocks = m.register("blocks_computed", 32, 0);
        Expr started = constant(0, 32);
        for (Expr s : blockStarts) {
            started = truncate(add(started, extend(s, 32)), 32);
        }
        m.next(blocks, mux(startTake, constant(0, 32), truncate(add(blocks.ref(), started), 32)));

        controlIn.put("ap_done", finished);
        controlIn.put("ap_ready", startTake);
        controlIn.put("ap_idle", not(running.ref()));
        controlIn.put("status_id", constant(Integer.toUnsignedLong(ID), 32));
        controlIn.put("status_version", constant(VERSION, 32));
        controlIn.put("status_config_hash", constant(Integer.toUnsignedLong(configHash(c)), 32));
        controlIn.put("status_busy_cycles", busy.ref());
        controlIn.put("status_stall_in_cycles", stallInQ.ref());
        controlIn.put("status_stall_out_cycles", stallOutQ.ref());
        controlIn.put("status_blocks_computed", blocks.ref());
        m.instance("control", control, controlIn, controlOut);
        return m.build();
    }

    private static Signal counter(ModuleBuilder m, String name, Expr clear, Expr count) {
        Signal q = m.register(name, 32, 0);
        m.next(q, or(clear, count), mux(clear, constant(0, 32), increment(q.ref())));
        return q;
    }

    static Expr increment(Expr e) {
        return truncate(add(e, constant(1, 1)), e.width());
    }

    /** Zero-extends or truncates an unsigned value to {@code width}. */
    static Expr resize(Expr e, int width) {
        return e.width() >= width ? truncate(e, width) : extend(e, width);
    }
}
