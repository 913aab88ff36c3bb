package dev.vitforge.hwgen.build;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Ops;
import dev.vitforge.hwgen.ir.Reads;
import dev.vitforge.hwgen.ir.Signal;
import dev.vitforge.hwgen.ir.Signal.Kind;

/**
 * The elaboration checks, run on a candidate module before it is frozen. Each problem is one
 * line naming the module, the signal and what is wrong, so a generator author can fix it
 * without reading the emitted Verilog (there is none: a failing module is never emitted).
 */
public final class Checks {
    private Checks() {}

    public static List<String> run(Module m) {
        List<String> problems = new ArrayList<>();
        Map<Signal, List<String>> drivers = new LinkedHashMap<>();
        // By identity: a signal of another module may well have the same name, width and kind.
        Set<Signal> own = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        own.addAll(m.ports());
        own.addAll(m.wires());
        for (Expr e : Reads.expressions(m)) {
            for (Reads.Use u : Reads.of(e)) {
                if (!own.contains(u.signal())) {
                    problems.add(at(m, u.signal().name()) + "is read here but belongs to another module");
                }
            }
        }

        for (Module.Assign a : m.assigns()) {
            Signal t = a.target();
            drivers.computeIfAbsent(t, k -> new ArrayList<>()).add("assign");
            if (t.kind() == Kind.INPUT || t.kind() == Kind.REG || t.kind() == Kind.MEMORY_READ) {
                problems.add(at(m, t.name()) + "cannot be assigned: it is " + kindName(t));
            }
            for (Module.Branch b : a.branches()) {
                if (b.condition().width() != 1) {
                    problems.add(at(m, t.name()) + "condition must be 1 bit, got " + Ops.describe(b.condition()));
                }
                fits(problems, m, t, b.value(), "assigned");
            }
            if (a.otherwise() != null) {
                fits(problems, m, t, a.otherwise(), "assigned");
            }
        }
        for (Module.Register r : m.registers()) {
            drivers.computeIfAbsent(r.q(), k -> new ArrayList<>()).add("register");
            if (r.next() == null) {
                problems.add(at(m, r.q().name()) + "undriven: register has no next() value");
            } else {
                fits(problems, m, r.q(), r.next(), "loaded");
            }
            if (r.enable() != null && r.enable().width() != 1) {
                problems.add(at(m, r.q().name()) + "enable must be 1 bit, got " + Ops.describe(r.enable()));
            }
        }
        for (Module.Memory mem : m.memories()) {
            if (mem.reads().isEmpty() || mem.writes().isEmpty()) {
                problems.add(at(m, mem.name()) + "memory needs at least one write and one read port");
            }
            for (Module.WritePort w : mem.writes()) {
                memoryPort(problems, m, mem, w.enable(), w.address());
                if (w.data().width() != mem.width()) {
                    problems.add(at(m, mem.name()) + "width mismatch: write data " + Ops.describe(w.data())
                            + " into a " + mem.width() + "-bit memory");
                }
            }
            for (Module.ReadPort r : mem.reads()) {
                drivers.computeIfAbsent(r.data(), k -> new ArrayList<>()).add("memory read");
                memoryPort(problems, m, mem, r.enable(), r.address());
            }
        }
        for (Module.Instance i : m.instances()) {
            instance(problems, m, i, drivers);
        }

        for (Signal s : m.wires()) {
            checkDriven(problems, m, s, drivers);
        }
        for (Signal p : m.ports()) {
            if (p.kind() == Kind.OUTPUT) {
                checkDriven(problems, m, p, drivers);
            }
        }
        unusedInputs(problems, m);
        loops(problems, m);
        return problems;
    }

    private static void checkDriven(List<String> problems, Module m, Signal s, Map<Signal, List<String>> drivers) {
        List<String> d = drivers.getOrDefault(s, List.of());
        if (d.isEmpty()) {
            problems.add(at(m, s.name()) + "undriven: " + kindName(s) + " has no driver");
        } else if (d.size() > 1) {
            problems.add(at(m, s.name()) + "multiple drivers: " + String.join(", ", d));
        }
    }

    private static void fits(List<String> problems, Module m, Signal target, Expr value, String verb) {
        if (value.width() != target.width()) {
            problems.add(at(m, target.name()) + "width mismatch: " + target.width() + "-bit " + kindName(target)
                    + " " + verb + " from " + Ops.describe(value) + "; extend or truncate explicitly");
        } else if (value.signed() != target.signed()) {
            problems.add(at(m, target.name()) + "signedness mismatch: " + (target.signed() ? "signed " : "unsigned ")
                    + kindName(target) + " " + verb + " from " + Ops.describe(value) + "; cast explicitly");
        }
    }

    private static void memoryPort(List<String> problems, Module m, Module.Memory mem, Expr enable, Expr address) {
        if (enable.width() != 1) {
            problems.add(at(m, mem.name()) + "port enable must be 1 bit, got " + Ops.describe(enable));
        }
        if (address.width() != mem.addressWidth()) {
            problems.add(at(m, mem.name()) + "width mismatch: address " + Ops.describe(address) + " for "
                    + mem.depth() + " words needs " + mem.addressWidth() + " bits");
        }
    }

    private static void instance(List<String> problems, Module m, Module.Instance i, Map<Signal, List<String>> drivers) {
        Module sub = i.module();
        for (Signal p : sub.ports()) {
            boolean connected = p.kind() == Kind.INPUT ? i.inputs().containsKey(p.name()) : i.outputs().containsKey(p.name());
            if (!connected) {
                problems.add(at(m, i.name() + "." + p.name()) + (p.kind() == Kind.INPUT
                        ? "undriven: instance input is not connected"
                        : "instance output is not connected: connect it to a wire (unread bits are fine)"));
            }
        }
        i.inputs().forEach((port, value) -> {
            Signal p = sub.port(port).filter(s -> s.kind() == Kind.INPUT).orElse(null);
            if (p == null) {
                problems.add(at(m, i.name() + "." + port) + "module '" + sub.name() + "' has no such input");
            } else if (p.width() != value.width()) {
                problems.add(at(m, i.name() + "." + port) + "width mismatch: " + p.width()
                        + "-bit input connected to " + Ops.describe(value));
            } else if (p.signed() != value.signed()) {
                problems.add(at(m, i.name() + "." + port) + "signedness mismatch: " + (p.signed() ? "signed" : "unsigned")
                        + " input connected to " + Ops.describe(value) + "; cast explicitly");
            }
        });
        i.outputs().forEach((port, wire) -> {
            Signal p = sub.port(port).filter(s -> s.kind() == Kind.OUTPUT).orElse(null);
            if (p == null) {
                problems.add(at(m, i.name() + "." + port) + "module '" + sub.name() + "' has no such output");
                return;
            }
            if (wire.kind() != Kind.WIRE && wire.kind() != Kind.OUTPUT) {
                problems.add(at(m, wire.name()) + "instance output must drive a wire or output, not " + kindName(wire));
            }
            if (p.width() != wire.width()) {
                problems.add(at(m, wire.name()) + "width mismatch: driven by " + p.width() + "-bit "
                        + i.name() + "." + port);
            }
            drivers.computeIfAbsent(wire, k -> new ArrayList<>()).add("instance " + i.name());
        });
    }

    private static void unusedInputs(List<String> problems, Module m) {
        Set<Signal> read = new HashSet<>();
        for (Expr e : Reads.expressions(m)) {
            Reads.visit(e, u -> read.add(u.signal()));
        }
        boolean clocked = !m.registers().isEmpty() || !m.memories().isEmpty();
        for (Signal p : m.ports()) {
            boolean used = read.contains(p)
                    || (p.name().equals("clk") && clocked)
                    || (p.name().equals("rst_n") && m.registers().stream().anyMatch(r -> r.resetValue() != null));
            if (p.kind() == Kind.INPUT && !used) {
                problems.add(at(m, p.name()) + "unused input: nothing reads it");
            }
        }
    }

    /** Combinational loops through assigns (registers and memories break paths; instances are opaque). */
    private static void loops(List<String> problems, Module m) {
        Map<Signal, Set<Signal>> fanIn = new LinkedHashMap<>();
        for (Module.Assign a : m.assigns()) {
            Set<Signal> in = fanIn.computeIfAbsent(a.target(), k -> new LinkedHashSet<>());
            for (Module.Branch b : a.branches()) {
                Reads.visit(b.condition(), u -> in.add(u.signal()));
                Reads.visit(b.value(), u -> in.add(u.signal()));
            }
            if (a.otherwise() != null) {
                Reads.visit(a.otherwise(), u -> in.add(u.signal()));
            }
        }
        Map<Signal, Integer> state = new HashMap<>();
        for (Signal start : fanIn.keySet()) {
            List<Signal> path = new ArrayList<>();
            if (cycle(start, fanIn, state, path)) {
                List<String> names = path.stream().map(Signal::name).toList();
                problems.add(at(m, path.get(0).name()) + "combinational loop: " + String.join(" <- ", names));
                return;
            }
        }
    }

    private static boolean cycle(Signal s, Map<Signal, Set<Signal>> fanIn, Map<Signal, Integer> state, List<Signal> path) {
        int st = state.getOrDefault(s, 0);
        if (st == 2) {
            return false;
        }
        path.add(s);
        if (st == 1) {
            path.subList(0, path.indexOf(s)).clear();
            return true;
        }
        state.put(s, 1);
        for (Signal in : fanIn.getOrDefault(s, Set.of())) {
            if (cycle(in, fanIn, state, path)) {
                return true;
            }
        }
        state.put(s, 2);
        path.remove(path.size() - 1);
        return false;
    }

    private static String kindName(Signal s) {
        return switch (s.kind()) {
            case INPUT -> "input";
            case OUTPUT -> "output";
            case WIRE -> "wire";
            case REG -> "register";
            case MEMORY_READ -> "memory read port";
        };
    }

    private static String at(Module m, String signal) {
        return "module '" + m.name() + "', signal '" + signal + "': ";
    }
}
