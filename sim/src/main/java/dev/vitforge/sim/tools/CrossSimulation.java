package dev.vitforge.sim.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.sim.verilator.PortSpec;
import dev.vitforge.sim.verilator.RtlSource;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * Runs one per-cycle stimulus on Verilator and on Icarus and compares every output after every
 * clock edge. Icarus keeps X in never-reset datapath registers where Verilator has 0, so an X
 * digit from Icarus matches anything; every other digit must agree.
 */
public final class CrossSimulation {
    private CrossSimulation() {}

    /** Input values per cycle, in the order of {@link #inputs}; clk is driven by the runner. */
    public record Stimulus(List<PortSpec> inputs, List<BigInteger[]> cycles) {}

    /**
     * Random values on every input, rst_n held low for the first two cycles. Random valid and
     * ready inputs are random backpressure, so this also exercises every stall path.
     */
    public static Stimulus random(RtlSource source, long seed, int cycles) {
        List<PortSpec> inputs = source.ports().stream().filter(p -> p.input() && !p.name().equals("clk")).toList();
        Random random = new Random(seed);
        List<BigInteger[]> rows = new ArrayList<>();
        for (int c = 0; c < cycles; c++) {
            BigInteger[] row = new BigInteger[inputs.size()];
            for (int i = 0; i < row.length; i++) {
                PortSpec p = inputs.get(i);
                row[i] = p.name().equals("rst_n") ? BigInteger.valueOf(c < 2 ? 0 : 1) : new BigInteger(p.width(), random);
            }
            rows.add(row);
        }
        return new Stimulus(inputs, rows);
    }

    /** Sets a cycle's inputs on the Verilator model; it may eval and peek to react to the design's readies. */
    @FunctionalInterface
    public interface CycleDriver {
        /** Drives the inputs of {@code cycle}; returns false when the run is over. */
        boolean drive(int cycle, SimInstance sim);
    }

    /** The inputs a reactive driver applied, cycle by cycle, and the outputs Verilator gave. */
    public record Recording(Stimulus stimulus, List<String> verilator) {}

    /**
     * Runs a reactive driver on Verilator and records every input it applied, so the very same
     * sequence can be replayed on Icarus: if the two simulators agree, the replay is faithful.
     */
    public static Recording record(SimInstance sim, RtlSource source, int maxCycles, CycleDriver driver) {
        List<PortSpec> inputs = source.ports().stream().filter(p -> p.input() && !p.name().equals("clk")).toList();
        List<PortSpec> outputs = outputs(source);
        List<BigInteger[]> rows = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < maxCycles && driver.drive(c, sim); c++) {
            BigInteger[] row = new BigInteger[inputs.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = read(sim, inputs.get(i));
            }
            rows.add(row);
            sim.step(1);
            List<String> values = new ArrayList<>();
            for (PortSpec p : outputs) {
                values.add(hex(read(sim, p), p.width()));
            }
            lines.add(String.join("_", values));
        }
        return new Recording(new Stimulus(inputs, rows), lines);
    }

    private static BigInteger read(SimInstance sim, PortSpec p) {
        return p.width() <= 64 ? new BigInteger(Long.toUnsignedString(sim.peek(p.name()))) : fromWords(sim.peekWide(p.name()));
    }

    /**
     * The stimulus on Verilator and on Icarus: null when every output agrees after every edge, else
     * {@link #compare}'s description of the first difference.
     */
    public static String disagreement(Design design, RtlSource source, Stimulus stimulus, Path directory) {
        List<String> onVerilator;
        try (SimInstance sim = VerilatorModel.build(source).newInstance()) {
            onVerilator = verilator(sim, source, stimulus);
        }
        return compare(source, onVerilator, icarus(design, source, stimulus, directory));
    }

    /** One line per cycle: every output in hex, separated by '_', sampled after the clock edge. */
    public static List<String> verilator(SimInstance sim, RtlSource source, Stimulus stimulus) {
        List<PortSpec> outputs = outputs(source);
        List<String> lines = new ArrayList<>();
        for (BigInteger[] row : stimulus.cycles()) {
            for (int i = 0; i < row.length; i++) {
                PortSpec p = stimulus.inputs().get(i);
                if (p.width() <= 64) {
                    sim.poke(p.name(), row[i].longValue());
                } else {
                    sim.pokeWide(p.name(), words(row[i], p.words()));
                }
            }
            sim.step(1);
            List<String> values = new ArrayList<>();
            for (PortSpec p : outputs) {
                values.add(hex(read(sim, p), p.width()));
            }
            lines.add(String.join("_", values));
        }
        return lines;
    }

    /** The same stimulus through a generated Icarus testbench. */
    public static List<String> icarus(Design design, RtlSource source, Stimulus stimulus, Path directory) {
        List<Path> files = DesignFiles.write(design, directory);
        Path dir = directory.toAbsolutePath();
        List<PortSpec> outputs = outputs(source);
        int total = stimulus.inputs().stream().mapToInt(PortSpec::width).sum();
        StringBuilder tb = new StringBuilder("module cross_tb;\n  reg clk = 1'b0;\n");
        for (PortSpec p : stimulus.inputs()) {
            tb.append("  reg ").append(range(p.width())).append(p.name()).append(";\n");
        }
        for (PortSpec p : outputs) {
            tb.append("  wire ").append(range(p.width())).append(p.name()).append(";\n");
        }
        tb.append("  reg [").append(total - 1).append(":0] stimulus [0:").append(stimulus.cycles().size() - 1).append("];\n");
        tb.append("  integer cycle, out;\n  ").append(source.top()).append(" dut (\n");
        List<String> pins = new ArrayList<>();
        source.ports().forEach(p -> pins.add("    ." + p.name() + "(" + p.name() + ")"));
        tb.append(String.join(",\n", pins)).append("\n  );\n  initial begin\n");
        tb.append("    $readmemh(\"stimulus.hex\", stimulus);\n    out = $fopen(\"outputs.txt\", \"w\");\n");
        tb.append("    for (cycle = 0; cycle < ").append(stimulus.cycles().size()).append("; cycle = cycle + 1) begin\n");
        tb.append("      {").append(String.join(", ", stimulus.inputs().stream().map(PortSpec::name).toList()))
                .append("} = stimulus[cycle];\n");
        tb.append("      #1 clk = 1'b1;\n      #1 clk = 1'b0;\n");
        tb.append("      $fwrite(out, \"").append(String.join("_", outputs.stream().map(p -> "%h").toList()))
                .append("\\n\", ").append(String.join(", ", outputs.stream().map(PortSpec::name).toList())).append(");\n");
        tb.append("      #1;\n    end\n    $fclose(out);\n    $finish;\n  end\nendmodule\n");
        try {
            Files.writeString(dir.resolve("cross_tb.v"), tb.toString());
            List<String> hex = new ArrayList<>();
            for (BigInteger[] row : stimulus.cycles()) {
                BigInteger packed = BigInteger.ZERO;
                for (int i = 0; i < row.length; i++) {
                    packed = packed.shiftLeft(stimulus.inputs().get(i).width()).or(row[i]);
                }
                hex.add(packed.toString(16));
            }
            Files.write(dir.resolve("stimulus.hex"), hex);
            List<String> compile = ExternalTool.command("iverilog", "-g2012", "-o", "cross.vvp", "-s", "cross_tb", "cross_tb.v");
            files.forEach(f -> compile.add(f.toString()));
            ExternalTool.Result c = ExternalTool.run(dir, 120, compile);
            if (c.exitCode() != 0) {
                throw new IllegalStateException("iverilog failed in " + dir + ":\n" + c.output());
            }
            ExternalTool.Result r = ExternalTool.run(dir, 600, ExternalTool.command("vvp", "-n", "cross.vvp"));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("vvp failed in " + dir + ":\n" + r.output());
            }
            return Files.readAllLines(dir.resolve("outputs.txt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cross-simulation workspace " + dir, e);
        }
    }

    /** Null when the traces agree; otherwise the first differing cycle with both lines and the port names. */
    public static String compare(RtlSource source, List<String> verilator, List<String> icarus) {
        if (verilator.size() != icarus.size()) {
            return "Verilator ran " + verilator.size() + " cycles, Icarus " + icarus.size();
        }
        for (int c = 0; c < verilator.size(); c++) {
            String v = verilator.get(c);
            String i = icarus.get(c);
            boolean same = v.length() == i.length();
            for (int k = 0; same && k < v.length(); k++) {
                char x = Character.toLowerCase(i.charAt(k));
                same = x == 'x' || x == v.charAt(k);
            }
            if (!same) {
                return "cycle " + c + ": outputs " + String.join("_", outputs(source).stream().map(PortSpec::name).toList())
                        + "\n  verilator " + v + "\n  icarus    " + i;
            }
        }
        return null;
    }

    private static List<PortSpec> outputs(RtlSource source) {
        return source.ports().stream().filter(p -> !p.input()).toList();
    }

    private static String hex(BigInteger v, int width) {
        String s = v.toString(16);
        int digits = (width + 3) / 4;
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static String range(int width) {
        return width == 1 ? "" : "[" + (width - 1) + ":0] ";
    }

    private static int[] words(BigInteger v, int count) {
        int[] w = new int[count];
        for (int i = 0; i < count; i++) {
            w[i] = v.shiftRight(32 * i).intValue();
        }
        return w;
    }

    private static BigInteger fromWords(int[] words) {
        BigInteger v = BigInteger.ZERO;
        for (int i = words.length - 1; i >= 0; i--) {
            v = v.shiftLeft(32).or(BigInteger.valueOf(Integer.toUnsignedLong(words[i])));
        }
        return v;
    }
}
