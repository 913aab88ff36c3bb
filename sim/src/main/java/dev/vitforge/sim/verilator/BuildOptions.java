package dev.vitforge.sim.verilator;

/** How to Verilate a design; {@code trace} compiles FST waveform support in. */
public record BuildOptions(boolean trace) {
    public static final BuildOptions DEFAULT = new BuildOptions(false);
    public static final BuildOptions TRACED = new BuildOptions(true);
}
