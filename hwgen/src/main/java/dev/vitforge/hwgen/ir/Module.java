package dev.vitforge.hwgen.ir;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One checked hardware module. Invariant: it passed every elaboration check of
 * {@link dev.vitforge.hwgen.build.Checks}; names are unique within it; lists keep declaration
 * order, so emitting it twice gives the same bytes.
 */
public record Module(
        String name,
        String description,
        Map<String, String> parameters,
        List<Signal> ports,
        List<Signal> wires,
        List<Register> registers,
        List<Assign> assigns,
        List<Memory> memories,
        List<Instance> instances) {

    public Module {
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
        ports = List.copyOf(ports);
        wires = List.copyOf(wires);
        registers = List.copyOf(registers);
        assigns = List.copyOf(assigns);
        memories = List.copyOf(memories);
        instances = List.copyOf(instances);
    }

    public Optional<Signal> port(String portName) {
        return ports.stream().filter(p -> p.name().equals(portName)).findFirst();
    }

    /**
     * A continuous assignment. With no branches it is {@code target = otherwise}; with branches
     * the first true condition wins, and {@code otherwise} must be present (else a latch).
     */
    public record Assign(Signal target, List<Branch> branches, Expr otherwise) {
        public Assign {
            branches = List.copyOf(branches);
        }
    }

    public record Branch(Expr condition, Expr value) {}

    /**
     * A flip-flop {@code q} that loads {@code next} on the rising clock when {@code enable}
     * (null: always) is 1; {@code resetValue} (null: no reset) is loaded while rst_n is low.
     */
    public record Register(Signal q, Expr next, Expr enable, BigInteger resetValue) {}

    /** A memory with synchronous write and registered read ports: it maps onto block RAM. */
    public record Memory(String name, int width, int depth, List<WritePort> writes, List<ReadPort> reads) {
        public Memory {
            writes = List.copyOf(writes);
            reads = List.copyOf(reads);
        }

        public int addressWidth() {
            return Math.max(1, 32 - Integer.numberOfLeadingZeros(depth - 1));
        }
    }

    public record WritePort(Expr enable, Expr address, Expr data) {}

    public record ReadPort(Signal data, Expr enable, Expr address) {}

    /** An instance {@code u_*} of another module; inputs by expression, outputs into wires. */
    public record Instance(String name, Module module, Map<String, Expr> inputs, Map<String, Signal> outputs) {
        public Instance {
            inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
            outputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
        }
    }
}
