package dev.vitforge.host.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** Runs the CLI in-process as the tests need it: the exit code and what went to stderr. */
final class Cli {
    private Cli() {}

    record Outcome(int code, String err) {}

    static Outcome run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            return new Outcome(Main.run(args), err.toString());
        } finally {
            System.setErr(saved);
        }
    }
}
