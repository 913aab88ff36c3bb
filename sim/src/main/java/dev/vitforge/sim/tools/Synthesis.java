package dev.vitforge.sim.tools;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.vitforge.hwgen.ir.Design;

/**
 * Yosys {@code synth_xilinx} and its cell counts: an open estimate (it can be far from
 * Vivado's), good for catching what does not synthesise and for trends in LUT/FF/DSP/BRAM.
 */
public final class Synthesis {
    private Synthesis() {}

    public record Report(Map<String, Integer> cells, String log) {
        public int count(String prefix) {
            return cells.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .mapToInt(Map.Entry::getValue).sum();
        }
    }

    private static final Pattern CELL = Pattern.compile("^\\s+([A-Za-z0-9_]+)\\s+(\\d+)\\s*$");

    public static Report xilinx(Design design, Path directory) {
        List<Path> files = DesignFiles.write(design, directory);
        Path dir = directory.toAbsolutePath();
        StringBuilder script = new StringBuilder();
        files.forEach(f -> script.append("read_verilog ").append(f).append("; "));
        script.append("synth_xilinx -flatten -top ").append(design.top().name()).append("; stat");
        ExternalTool.Result r = ExternalTool.run(dir, 600, ExternalTool.command("yosys", "-q", "-p", script.toString(),
                "-l", dir.resolve("yosys.log").toString()));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("yosys synth_xilinx failed on " + design.top().name() + " (log "
                    + dir.resolve("yosys.log") + "):\n" + r.output());
        }
        String log;
        try {
            log = java.nio.file.Files.readString(dir.resolve("yosys.log"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("yosys wrote no log in " + dir, e);
        }
        // -q keeps the console quiet; the statistics are read from the log. The last report is the final netlist.
        log = log.substring(Math.max(0, log.lastIndexOf("Printing statistics")));
        Map<String, Integer> cells = new TreeMap<>();
        boolean inStat = false;
        for (String line : log.split("\n")) {
            if (line.contains("Number of cells")) {
                inStat = true;
                continue;
            }
            Matcher m = CELL.matcher(line);
            if (inStat && m.matches()) {
                cells.merge(m.group(1), Integer.parseInt(m.group(2)), Integer::sum);
            }
        }
        return new Report(cells, log);
    }
}
