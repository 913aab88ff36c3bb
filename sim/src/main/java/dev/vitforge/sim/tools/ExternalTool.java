package dev.vitforge.sim.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one command to completion with a time limit; stdout and stderr come back merged. */
public final class ExternalTool {
    private ExternalTool() {}

    public record Result(int exitCode, String output) {}

    public static Result run(Path directory, long timeoutSeconds, List<String> command) {
        requireOnPath(command.get(0));
        try {
            Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            byte[][] out = new byte[1][];
            Thread reader = new Thread(() -> {
                try {
                    out[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    out[0] = ("(output lost: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
                }
            });
            reader.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish in " + timeoutSeconds + " s in " + directory);
            }
            reader.join();
            return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /** Fails with the install hint when a tool is absent, so a test can never pass by skipping. */
    public static void requireOnPath(String tool) {
        if (tool.contains("/")) {
            return;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Path.of(dir, tool).toFile().canExecute()) {
                return;
            }
        }
        String pkg = tool.equals("iverilog") || tool.equals("vvp") ? "iverilog" : tool;
        throw new IllegalStateException(tool + " not found on PATH: run `make setup` (or `apt-get install " + pkg + "`)");
    }

    static List<String> command(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
