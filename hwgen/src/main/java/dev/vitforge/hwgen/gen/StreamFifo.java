package dev.vitforge.hwgen.gen;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

import static dev.vitforge.hwgen.ir.Ops.*;

/**
 * A valid/ready FIFO whose storage is a block-RAM-shaped memory (registered read) followed by
 * one output register, so it holds {@code depth + 1} beats and accepts one beat per cycle while
 * not full. First beat in to first beat out takes two cycles. {@code depth} is a power of two.
 */
public final class StreamFifo {
    /** Cycles from a beat's input handshake to its output handshake when nothing stalls. */
    public static final int LATENCY = 2;

    private StreamFifo() {}

    public static Module generate(String name, int width, int depth, boolean withLast) {
        if (width < 1 || depth < 2 || Integer.bitCount(depth) != 1) {
            throw new IllegalArgumentException("fifo '" + name + "': width >= 1 and depth a power of two >= 2, got "
                    + width + " x " + depth);
        }
        ModuleBuilder m = new ModuleBuilder(name, "stream FIFO, " + depth + "+1 beats of " + width + " bits");
        m.parameter("WIDTH", width).parameter("DEPTH", depth).parameter("TLAST", withLast);
        StreamPort in = StreamPort.input(m, "in", width, withLast);
        StreamPort out = StreamPort.output(m, "out", width, withLast);
        int wordWidth = width + (withLast ? 1 : 0);
        int pointerWidth = Integer.numberOfTrailingZeros(depth) + 1; // one extra bit tells full from empty

        Signal writePointer = m.register("write_pointer", pointerWidth, 0);
        Signal readPointer = m.register("read_pointer", pointerWidth, 0);
        Signal outValid = m.register("out_valid", 1, 0);
        Expr stored = m.let("stored", truncate(sub(writePointer.ref(), readPointer.ref()), pointerWidth));
        Expr notFull = m.let("not_full", lt(stored, constant(depth, pointerWidth)));
        Expr notEmpty = m.let("not_empty", ne(stored, constant(0, pointerWidth)));
        Expr push = m.let("push", and(in.valid().ref(), notFull));
        Expr pop = m.let("pop", and(notEmpty, or(not(outValid.ref()), out.ready().ref())));

        ModuleBuilder.MemoryBuilder storage = m.memory("storage", wordWidth, depth);
        int addressWidth = storage.addressWidth();
        Expr word = withLast ? concat(in.last().ref(), in.data().ref()) : in.data().ref();
        storage.write(push, truncate(writePointer.ref(), addressWidth), word);
        Signal head = storage.read("head", pop, truncate(readPointer.ref(), addressWidth));

        m.next(writePointer, push, truncate(add(writePointer.ref(), constant(1, 1)), pointerWidth));
        m.next(readPointer, pop, truncate(add(readPointer.ref(), constant(1, 1)), pointerWidth));
        m.next(outValid, or(pop, and(outValid.ref(), not(out.ready().ref()))));

        m.assign(in.ready(), notFull);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), slice(head.ref(), width - 1, 0));
        if (withLast) {
            m.assign(out.last(), bit(head.ref(), width));
        }
        return m.build();
    }
}
