package dev.vitforge.models.tensor;

/**
 * A tensor file that cannot be read or written; the message is always one line, {@code "<file>: <problem>"}.
 *
 * <p>Unchecked because callers (the CLI, the planner) cannot recover from a bad model file; they
 * print the message and stop, so forcing every layer to declare it would only add noise.
 */
public final class TensorFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final String problem;

    public TensorFormatException(String file, String problem) {
        this(file, problem, null);
    }

    public TensorFormatException(String file, String problem, Throwable cause) {
        super(oneLine(file) + ": " + oneLine(problem), cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file (or other source name) the problem is about, as the caller spelled it. */
    public String file() {
        return file;
    }

    /** The problem alone, without the file name. */
    public String problem() {
        return problem;
    }

    // The CLI prints exactly one line per error, so stray newlines from headers or OS messages are flattened.
    private static String oneLine(String s) {
        return String.valueOf(s).replace("\r", "\\r").replace("\n", "\\n");
    }
}
