package dev.vitforge.hwgen.build;

import static dev.vitforge.hwgen.ir.Ops.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

/** Each elaboration check fires on the misuse it names, with module, signal and problem. */
class ChecksTest {

    private static String failure(ModuleBuilder m) {
        ElaborationException e = assertThrows(ElaborationException.class, m::build);
        assertEquals(1, e.problems().size(), e.getMessage());
        return e.problems().get(0);
    }

    @Test
    void widthMismatch() {
        ModuleBuilder m = new ModuleBuilder("widths", "test");
        Signal a = m.input("a", 8);
        Signal y = m.output("y", 8);
        m.assign(y, add(a.ref(), a.ref()));
        assertEquals("module 'widths', signal 'y': width mismatch: 8-bit output assigned from binary (9 bits); "
                + "extend or truncate explicitly", failure(m));
    }

    @Test
    void signednessMismatch() {
        ModuleBuilder m = new ModuleBuilder("signs", "test");
        Signal a = m.inputSigned("a", 8);
        m.assign(m.output("y", 8), a.ref());
        assertTrue(failure(m).startsWith("module 'signs', signal 'y': signedness mismatch"));
    }

    @Test
    void undriven() {
        ModuleBuilder m = new ModuleBuilder("undriven", "test");
        m.output("y", 4);
        assertEquals("module 'undriven', signal 'y': undriven: output has no driver", failure(m));
    }

    @Test
    void registerWithoutNext() {
        ModuleBuilder m = new ModuleBuilder("nonext", "test");
        Signal q = m.register("count", 4, 0);
        m.assign(m.output("y", 4), q.ref());
        assertEquals("module 'nonext', signal 'count_q': undriven: register has no next() value", failure(m));
    }

    @Test
    void multipleDrivers() {
        ModuleBuilder m = new ModuleBuilder("multi", "test");
        Signal a = m.input("a", 1);
        Signal y = m.output("y", 1);
        m.assign(y, a.ref());
        m.assign(y, not(a.ref()));
        assertEquals("module 'multi', signal 'y': multiple drivers: assign, assign", failure(m));
    }

    @Test
    void combinationalLoop() {
        ModuleBuilder m = new ModuleBuilder("loop", "test");
        Signal a = m.input("a", 1);
        Signal x = m.wire("x", 1);
        Signal z = m.wire("z", 1);
        m.assign(x, and(a.ref(), z.ref()));
        m.assign(z, not(x.ref()));
        m.assign(m.output("y", 1), x.ref());
        assertEquals("module 'loop', signal 'x': combinational loop: x <- z <- x", failure(m));
    }

    @Test
    void loopThroughRegisterIsFine() {
        ModuleBuilder m = new ModuleBuilder("toggle", "test");
        Signal q = m.register("state", 1, 0);
        m.next(q, not(q.ref()));
        m.assign(m.output("y", 1), q.ref());
        Module built = m.build();
        assertEquals("toggle", built.name());
    }

    @Test
    void latch() {
        ModuleBuilder m = new ModuleBuilder("latchy", "test");
        Signal en = m.input("en", 1);
        Signal d = m.input("d", 4);
        Signal y = m.output("y", 4);
        m.when(y, en.ref(), d.ref());
        assertEquals("module 'latchy', signal 'y': latch: when() without otherwise(), so the value would be held "
                + "when no condition holds", failure(m));
    }

    @Test
    void unusedInput() {
        ModuleBuilder m = new ModuleBuilder("unused", "test");
        Signal a = m.input("a", 1);
        m.input("b", 1);
        m.assign(m.output("y", 1), a.ref());
        assertEquals("module 'unused', signal 'b': unused input: nothing reads it", failure(m));
    }

    @Test
    void instanceConnections() {
        ModuleBuilder leaf = new ModuleBuilder("leaf", "test");
        Signal a = leaf.input("a", 4);
        leaf.assign(leaf.output("y", 4), a.ref());
        Module built = leaf.build();
        ModuleBuilder top = new ModuleBuilder("top", "test");
        Signal x = top.input("x", 3);
        Signal w = top.wire("w", 4);
        top.instance("leaf", built, Map.of("a", x.ref()), Map.of("y", w));
        top.assign(top.output("y", 4), w.ref());
        assertEquals("module 'top', signal 'u_leaf.a': width mismatch: 4-bit input connected to 'x' (3 bits)",
                failure(top));
    }

    @Test
    void namesAreCheckedWhenMade() {
        ModuleBuilder m = new ModuleBuilder("names", "test");
        m.input("a", 1);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> m.input("a", 1));
        assertEquals("module 'names', signal 'a': name is already used in this module", twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.wire("module", 1));
        assertThrows(IllegalArgumentException.class, () -> m.wire("Bad", 1));
    }

    @Test
    void operandsAreCheckedWhenMade() {
        ModuleBuilder m = new ModuleBuilder("ops", "test");
        Signal a = m.input("a", 8);
        Signal b = m.input("b", 4);
        Signal s = m.inputSigned("s", 8);
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> and(a.ref(), b.ref()));
        assertEquals("operands of '&' differ in width: 'a' (8 bits) vs 'b' (4 bits); extend or truncate one explicitly",
                width.getMessage());
        assertThrows(IllegalArgumentException.class, () -> add(a.ref(), s.ref()));
        assertThrows(IllegalArgumentException.class, () -> mux(a.ref(), a.ref(), a.ref()));
        assertThrows(IllegalArgumentException.class, () -> constant(256, 8));
        assertEquals(9, add(a.ref(), b.ref()).width());
        assertEquals(12, mul(a.ref(), b.ref()).width());
    }
}
