package dev.vitforge.hwgen.build;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Module.Assign;
import dev.vitforge.hwgen.ir.Module.Branch;
import dev.vitforge.hwgen.ir.Module.Instance;
import dev.vitforge.hwgen.ir.Module.Memory;
import dev.vitforge.hwgen.ir.Module.ReadPort;
import dev.vitforge.hwgen.ir.Module.Register;
import dev.vitforge.hwgen.ir.Module.WritePort;
import dev.vitforge.hwgen.ir.Signal;
import dev.vitforge.hwgen.ir.Signal.Kind;

/**
 * Assembles one module and freezes it with {@link #build()}. Conventions: one clock {@code clk},
 * a synchronous active-low reset {@code rst_n} (the AXI and Vitis convention), registers named
 * {@code *_q} with their next value {@code *_d}, instances {@code u_*}. Names are lower
 * snake case and unique within the module. Drivers may be given in any order; the checks
 * run once, at {@code build()}.
 */
public final class ModuleBuilder {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Set<String> RESERVED = Set.of(
            "always", "assign", "begin", "case", "default", "else", "end", "endcase", "endmodule",
            "for", "function", "if", "initial", "inout", "input", "integer", "logic", "module",
            "negedge", "output", "parameter", "posedge", "reg", "signed", "unsigned", "wire",
            "unused_bits", "int", "bit", "byte", "type", "do", "while", "event", "time",
            // C++ words Verilator refuses as signal names (SYMRSVDWORD).
            "interrupt", "new", "delete", "class", "this", "switch", "return", "public", "private",
            "static", "const", "struct", "union", "namespace", "operator", "template", "virtual",
            "volatile", "register", "auto", "char", "short", "long", "float", "double", "void",
            "bool", "true", "false", "sizeof", "typedef", "enum", "goto", "break", "continue",
            "extern", "inline", "friend", "protected", "try", "catch", "throw", "signal", "exit",
            "abort", "main", "errno", "stdin", "stdout", "stderr", "null", "nullptr", "final");

    private final String name;
    private final String description;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final List<Signal> ports = new ArrayList<>();
    private final List<Signal> wires = new ArrayList<>();
    private final List<Signal> registerSignals = new ArrayList<>();
    private final Map<Signal, Register> registers = new LinkedHashMap<>();
    private final List<Assign> assigns = new ArrayList<>();
    private final Map<Signal, List<Branch>> conditional = new LinkedHashMap<>();
    private final Map<String, MemoryBuilder> memories = new LinkedHashMap<>();
    private final List<Instance> instances = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private Signal clock;
    private Signal reset;

    public ModuleBuilder(String name, String description) {
        requireName("module", name);
        this.name = name;
        this.description = description;
    }

    public String name() {
        return name;
    }

    /** Records a generation-time parameter; it is printed in the emitted file's header. */
    public ModuleBuilder parameter(String key, Object value) {
        parameters.put(key, String.valueOf(value));
        return this;
    }

    public Signal clock() {
        if (clock == null) {
            clock = port("clk", 1, false, Kind.INPUT);
        }
        return clock;
    }

    public Signal resetN() {
        if (reset == null) {
            reset = port("rst_n", 1, false, Kind.INPUT);
        }
        return reset;
    }

    public Signal input(String portName, int width) { return port(portName, width, false, Kind.INPUT); }

    public Signal inputSigned(String portName, int width) { return port(portName, width, true, Kind.INPUT); }

    public Signal output(String portName, int width) { return port(portName, width, false, Kind.OUTPUT); }

    public Signal outputSigned(String portName, int width) { return port(portName, width, true, Kind.OUTPUT); }

    public Signal wire(String wireName, int width) { return wire(wireName, width, false); }

    public Signal wire(String wireName, int width, boolean signed) {
        Signal s = new Signal(claim(wireName), width, signed, Kind.WIRE);
        wires.add(s);
        return s;
    }

    /** A named wire driven by {@code value}: how intermediate results get readable names. */
    public Expr let(String wireName, Expr value) {
        Signal s = wire(wireName, value.width(), value.signed());
        assign(s, value);
        return s.ref();
    }

    /** A register {@code base_q} reset to {@code resetValue}; null means no reset (pure datapath). */
    public Signal register(String base, int width, boolean signed, Long resetValue) {
        claim(base + "_d");
        Signal q = new Signal(claim(base + "_q"), width, signed, Kind.REG);
        registerSignals.add(q);
        if (resetValue != null) {
            resetN();
            dev.vitforge.hwgen.ir.Ops.constant(BigInteger.valueOf(resetValue), width, signed); // range check
            BigInteger bits = BigInteger.valueOf(resetValue);
            registers.put(q, new Register(q, null, null,
                    bits.signum() < 0 ? bits.add(BigInteger.ONE.shiftLeft(width)) : bits));
        } else {
            registers.put(q, new Register(q, null, null, null));
        }
        clock();
        return q;
    }

    public Signal register(String base, int width, long resetValue) {
        return register(base, width, false, resetValue);
    }

    /** Sets the register's next value, loaded every cycle. */
    public void next(Signal q, Expr value) {
        next(q, null, value);
    }

    /** Sets the register's next value, loaded when {@code enable} is 1. */
    public void next(Signal q, Expr enable, Expr value) {
        Register r = registers.get(q);
        if (r == null) {
            problems.add(at(q.name()) + "next() on something that is not a register of this module");
            return;
        }
        if (r.next() != null) {
            problems.add(at(q.name()) + "multiple drivers: next() given twice");
            return;
        }
        registers.put(q, new Register(q, value, enable, r.resetValue()));
    }

    public void assign(Signal target, Expr value) {
        assigns.add(new Assign(target, List.of(), value));
    }

    /** Drives {@code target} with {@code value} when {@code condition}; needs an {@link #otherwise}. */
    public void when(Signal target, Expr condition, Expr value) {
        conditional.computeIfAbsent(target, t -> new ArrayList<>()).add(new Branch(condition, value));
    }

    /** The value of {@code target} when none of its {@link #when} conditions holds. */
    public void otherwise(Signal target, Expr value) {
        List<Branch> branches = conditional.remove(target);
        if (branches == null) {
            problems.add(at(target.name()) + "otherwise() without any when()");
            return;
        }
        assigns.add(new Assign(target, branches, value));
    }

    /** A memory of {@code depth} words that maps onto block RAM (synchronous ports only). */
    public MemoryBuilder memory(String memoryName, int width, int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException(at(memoryName) + "memory depth must be positive, got " + depth);
        }
        MemoryBuilder m = new MemoryBuilder(claim(memoryName), width, depth);
        memories.put(memoryName, m);
        clock();
        return m;
    }

    /** Instantiates {@code module} as {@code u_<instanceName>}; returns the instance's name. */
    public String instance(String instanceName, Module module, Map<String, Expr> inputs, Map<String, Signal> outputs) {
        String full = claim("u_" + instanceName);
        instances.add(new Instance(full, module, inputs, outputs));
        return full;
    }

    /** Runs the elaboration checks and freezes the module. */
    public Module build() {
        List<String> all = new ArrayList<>(problems);
        for (Map.Entry<Signal, List<Branch>> open : conditional.entrySet()) {
            all.add(at(open.getKey().name()) + "latch: when() without otherwise(), so the value "
                    + "would be held when no condition holds");
            assigns.add(new Assign(open.getKey(), open.getValue(), null));
        }
        conditional.clear();
        List<Signal> wiresAndRegs = new ArrayList<>(wires);
        List<Memory> frozenMemories = memories.values().stream().map(MemoryBuilder::freeze).toList();
        for (Memory m : frozenMemories) {
            m.reads().forEach(r -> wiresAndRegs.add(r.data()));
        }
        wiresAndRegs.addAll(registerSignals);
        // Clock and reset lead the port list, as readers of RTL expect, whenever they were declared.
        List<Signal> orderedPorts = new ArrayList<>();
        if (clock != null) {
            orderedPorts.add(clock);
        }
        if (reset != null) {
            orderedPorts.add(reset);
        }
        ports.stream().filter(p -> p != clock && p != reset).forEach(orderedPorts::add);
        Module module = new Module(name, description, parameters, orderedPorts, wiresAndRegs,
                new ArrayList<>(registers.values()), assigns, frozenMemories, instances);
        all.addAll(Checks.run(module));
        if (!all.isEmpty()) {
            throw new ElaborationException(name, all);
        }
        return module;
    }

    private Signal port(String portName, int width, boolean signed, Kind kind) {
        Signal s = new Signal(claim(portName), width, signed, kind);
        ports.add(s);
        return s;
    }

    private String claim(String candidate) {
        requireName("signal", candidate);
        if (!names.add(candidate)) {
            throw new IllegalArgumentException(at(candidate) + "name is already used in this module");
        }
        return candidate;
    }

    private void requireName(String what, String candidate) {
        if (candidate == null || !NAME.matcher(candidate).matches() || RESERVED.contains(candidate)
                || candidate.startsWith("tmp_")) {
            throw new IllegalArgumentException("module '" + name + "': " + what + " name '" + candidate
                    + "' must be lower snake case, not a Verilog keyword, and not start with tmp_ (the emitter's)");
        }
    }

    private String at(String signal) {
        return "module '" + name + "', signal '" + signal + "': ";
    }

    /** Ports of one memory; each read port's data is a registered signal {@code <name>_<port>_q}. */
    public final class MemoryBuilder {
        private final String memoryName;
        private final int width;
        private final int depth;
        private final List<WritePort> writes = new ArrayList<>();
        private final List<ReadPort> reads = new ArrayList<>();

        private MemoryBuilder(String memoryName, int width, int depth) {
            this.memoryName = memoryName;
            this.width = width;
            this.depth = depth;
        }

        public int addressWidth() {
            return new Memory(memoryName, width, depth, List.of(), List.of()).addressWidth();
        }

        public void write(Expr enable, Expr address, Expr data) {
            writes.add(new WritePort(enable, address, data));
        }

        public Signal read(String portName, Expr enable, Expr address) {
            Signal data = new Signal(claim(memoryName + "_" + portName + "_q"), width, false, Kind.MEMORY_READ);
            reads.add(new ReadPort(data, enable, address));
            return data;
        }

        private Memory freeze() {
            return new Memory(memoryName, width, depth, writes, reads);
        }
    }
}
