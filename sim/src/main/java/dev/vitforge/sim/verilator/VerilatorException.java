package dev.vitforge.sim.verilator;

/** Verilator is missing, a build failed, or a model could not be loaded. */
public class VerilatorException extends RuntimeException {
    public VerilatorException(String message) {
        super(message);
    }

    public VerilatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
