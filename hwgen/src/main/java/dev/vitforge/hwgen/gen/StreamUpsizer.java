package dev.vitforge.hwgen.gen;

import java.util.ArrayList;
import java.util.List;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * A stream width converter that packs {@code ratio} narrow beats into one wide beat, the first
 * beat in the lowest lane (little-endian, like the host's packing). TLAST closes a wide beat
 * early; its unfilled lanes are zero. Throughput is one narrow beat per cycle.
 */
public final class StreamUpsizer {
    private StreamUpsizer() {}

    public static Module generate(String name, int width, int ratio) {
        if (width < 1 || ratio < 2) {
            throw new IllegalArgumentException("upsizer '" + name + "': need width >= 1 and ratio >= 2, got "
                    + width + " and " + ratio);
        }
        ModuleBuilder m = new ModuleBuilder(name, "packs " + ratio + " beats of " + width + " bits into one");
        m.parameter("WIDTH", width).parameter("RATIO", ratio);
        StreamPort in = StreamPort.input(m, "in", width, true);
        StreamPort out = StreamPort.output(m, "out", width * ratio, true);
        int laneBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(ratio - 1));

        Signal lane = m.register("lane", laneBits, 0);
        Signal outValid = m.register("out_valid", 1, 0);
        Signal outLast = m.register("out_last", 1, 0);
        List<Signal> lanes = new ArrayList<>();
        for (int i = 0; i < ratio; i++) {
            lanes.add(m.register("lane" + i + "_data", width, false, null));
        }

        Expr accept = m.let("accept", and(in.valid().ref(), or(not(outValid.ref()), out.ready().ref())));
        Expr closes = m.let("closes", or(eq(lane.ref(), constant(ratio - 1, laneBits)), in.last().ref()));
        Expr starting = m.let("starting", and(accept, eq(lane.ref(), constant(0, laneBits))));
        for (int i = 0; i < ratio; i++) {
            Expr mine = and(accept, eq(lane.ref(), constant(i, laneBits)));
            // Lanes a short (TLAST) beat does not reach must read zero, so clear them when a beat starts.
            Expr value = mux(mine, in.data().ref(), constant(0, width));
            m.next(lanes.get(i), i == 0 ? mine : or(mine, starting), value);
        }
        m.next(lane, accept, mux(closes, constant(0, laneBits), truncate(add(lane.ref(), constant(1, 1)), laneBits)));
        m.next(outValid, or(and(accept, closes), and(outValid.ref(), not(out.ready().ref()))));
        m.next(outLast, and(accept, closes), in.last().ref());

        m.assign(in.ready(), or(not(outValid.ref()), out.ready().ref()));
        m.assign(out.valid(), outValid.ref());
        List<Expr> high = new ArrayList<>();
        for (int i = ratio - 1; i >= 0; i--) {
            high.add(lanes.get(i).ref());
        }
        m.assign(out.data(), concat(high));
        m.assign(out.last(), outLast.ref());
        return m.build();
    }

    /** Reference: the wide beats (as lanes of {@code width} bits each) for a TLAST-framed input. */
    public static List<long[]> reference(long[] data, boolean[] last, int ratio) {
        List<long[]> wide = new ArrayList<>();
        long[] current = new long[ratio + 1];
        int lane = 0;
        for (int i = 0; i < data.length; i++) {
            current[lane++] = data[i];
            if (lane == ratio || last[i]) {
                current[ratio] = last[i] ? 1 : 0;
                wide.add(current);
                current = new long[ratio + 1];
                lane = 0;
            }
        }
        return wide;
    }
}
