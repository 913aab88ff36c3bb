package dev.vitforge.hwgen.gemm;

import static dev.vitforge.hwgen.gemm.GemmEngine.increment;
import static dev.vitforge.hwgen.ir.Ops.*;

import java.util.ArrayList;
import java.util.List;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Signal;

/**
 * One lane of the GEMM engine: weight beat in (stage 0, X buffer read issued), multiply-
 * accumulate across rowTile x B products (stage 1), shadow bank draining Y rows. The pipeline
 * stalls only when a column ends while the previous column's shadow is still draining.
 */
final class Lane {
    final Expr idle;
    final Expr shadowBusy;
    final Expr blockStart;

    Lane(ModuleBuilder m, GemmConfig c, int l, StreamPort w, StreamPort y, ModuleBuilder.MemoryBuilder buffer,
         Expr compHalf, Expr computing, Expr tileRows, Expr lastTile, Expr columns, Expr barrier, int log2B) {
        int tm = c.rowTile();
        int b = c.blockSize();
        int kw = c.kWidth();
        int cw = c.columnWidth();
        int rw = c.rowTileWidth();
        String p = "lane" + l + "_";

        Signal issued = m.register(p + "issued", cw, 0);
        Signal done = m.register(p + "done", cw, 0);
        Signal s1Valid = m.register(p + "s1_valid", 1, 0);
        Signal s1First = m.register(p + "s1_first", 1, 0);
        Signal s1Last = m.register(p + "s1_last", 1, 0);
        Signal s1Weights = m.register(p + "s1_weights", 8 * b, false, null);
        Signal busy = m.register(p + "shadow_busy", 1, 0);
        Signal row = m.register(p + "shadow_row", rw, 0);
        Signal rows = m.register(p + "shadow_rows", rw, 0);
        Signal finalColumn = m.register(p + "shadow_final", 1, 0);

        Expr yFire = m.let(p + "y_fire", y.fire());
        Expr lastRow = m.let(p + "last_row", eq(add(row.ref(), constant(1, 1)), rows.ref()));
        Expr drainEnd = m.let(p + "drain_end", and(yFire, lastRow));
        Expr shadowFree = or(not(busy.ref()), drainEnd);
        Expr advance = m.let(p + "advance", not(and(and(s1Valid.ref(), s1Last.ref()), not(shadowFree))));
        m.assign(w.ready(), and(and(computing, advance), ne(issued.ref(), columns)));
        Expr wFire = m.let(p + "w_fire", w.fire());
        Expr weights = slice(w.data().ref(), 8 * b - 1, 0);
        Expr k = m.let(p + "k", slice(w.data().ref(), 8 * b + kw - 1, 8 * b));
        Expr first = bit(w.data().ref(), 8 * b + kw);
        Expr skip = bit(w.data().ref(), 8 * b + kw + 1);
        // The X buffer word holds xColumns columns: the word is k / xColumns, the column k's low bits.
        int log2X = Integer.numberOfTrailingZeros(c.xColumns());
        Expr word = log2X == 0 ? k : kw > log2X ? slice(k, kw - 1, log2X) : constant(0, 1);
        Signal xWord = buffer.read("lane" + l, advance, concat(compHalf, GemmEngine.resize(word, c.xWordWidth())));
        Signal s1Column = log2X == 0 ? null : m.register(p + "s1_column", log2X, false, null);
        if (s1Column != null) {
            m.next(s1Column, wFire, GemmEngine.resize(slice(k, Math.min(kw, log2X) - 1, 0), log2X));
        }
        int columnBits = 8 * tm;
        Expr xColumn = slice(xWord.ref(), columnBits - 1, 0);
        for (int x = 1; x < c.xColumns(); x++) {
            xColumn = mux(eq(s1Column.ref(), constant(x, log2X)),
                    slice(xWord.ref(), columnBits * (x + 1) - 1, columnBits * x), xColumn);
        }
        Expr xData = m.let(p + "x_column", xColumn);

        m.next(s1Valid, advance, wFire);
        m.next(s1First, wFire, first);
        m.next(s1Last, wFire, w.last().ref());
        m.next(s1Weights, wFire, weights);
        m.next(issued, or(barrier, and(wFire, w.last().ref())),
                mux(barrier, constant(0, cw), increment(issued.ref())));
        Expr capture = m.let(p + "capture", and(and(s1Valid.ref(), s1Last.ref()), advance));
        Expr step = m.let(p + "step", and(and(s1Valid.ref(), not(s1Last.ref())), advance));
        m.next(done, or(barrier, capture), mux(barrier, constant(0, cw), increment(done.ref())));

        // rowTile x B multiply-accumulates; a column's first beat starts from zero.
        List<Expr> shadowRows = new ArrayList<>();
        for (int r = 0; r < tm; r++) {
            Expr xv = asSigned(slice(xData, 8 * r + 7, 8 * r));
            List<Expr> rowSums = new ArrayList<>();
            for (int col = b - 1; col >= 0; col--) {
                String cell = p + "r" + r + "_c" + col;
                Expr wv = asSigned(slice(s1Weights.ref(), 8 * col + 7, 8 * col));
                Signal acc = m.register(cell + "_acc", 32, true, null);
                Expr base = mux(s1First.ref(), signedConstant(0, 32), acc.ref());
                Expr sum = m.let(cell + "_sum", truncate(add(base, extend(mul(xv, wv), 32)), 32));
                m.next(acc, step, sum);
                Signal shadow = m.register(cell + "_out", 32, true, null);
                m.next(shadow, capture, sum);
                rowSums.add(asUnsigned(shadow.ref()));
            }
            shadowRows.add(concat(rowSums));
        }
        Expr out = shadowRows.get(tm - 1);
        for (int r = tm - 2; r >= 0; r--) {
            out = mux(eq(row.ref(), constant(r, rw)), shadowRows.get(r), out);
        }
        m.next(busy, or(capture, and(busy.ref(), not(drainEnd))));
        m.next(row, or(capture, yFire), mux(capture, constant(0, rw), increment(row.ref())));
        m.next(rows, capture, tileRows);
        m.next(finalColumn, capture, and(lastTile, eq(add(done.ref(), constant(1, 1)), columns)));
        m.assign(y.valid(), busy.ref());
        m.assign(y.data(), out);
        m.assign(y.last(), and(finalColumn.ref(), lastRow));

        this.idle = eq(done.ref(), columns);
        this.shadowBusy = busy.ref();
        int offsetBits = Math.min(kw, log2B); // k's offset inside its block; zero on a block's first beat
        this.blockStart = and(and(wFire, not(skip)), eq(slice(k, offsetBits - 1, 0), constant(0, offsetBits)));
    }
}
