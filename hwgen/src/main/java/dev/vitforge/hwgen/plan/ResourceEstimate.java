package dev.vitforge.hwgen.plan;

import dev.vitforge.hwgen.gemm.GemmConfig;

/**
 * An analytic resource estimate of the GEMM engine, per UltraScale+ primitives: one DSP per
 * int8 multiplier (the RTL infers one); block RAM for the X buffer, one copy per lane because
 * every lane reads its own column while the loader writes (a BRAM36 is 512 x 72 at most); flip-
 * flops for each lane's accumulator and shadow banks (64 bits per multiplier) and its weight
 * register; LUTs at 55 per multiplier, the figure Yosys synth_xilinx gives for the small engine
 * of the test sweep (adders outside the DSP and the row mux of the shadow bank). An estimate,
 * not a place-and-route result: Vivado will differ.
 */
public record ResourceEstimate(int dsp, int bram36, long ff, long lut) {

    public static ResourceEstimate of(GemmConfig c) {
        int words = 2 * c.bufferHalfDepth();
        int bramPerCopy = ceil(words, 512) * ceil(c.xBeatWidth(), 72);
        long ff = (long) c.multipliers() * 64 + (long) c.lanes() * (8L * c.blockSize() + 64) + 600;
        long lut = 55L * c.multipliers() + 1500;
        return new ResourceEstimate(c.multipliers(), c.lanes() * bramPerCopy, ff, lut);
    }

    /** Whether the estimate fits the board's budgets. */
    public boolean fits(Board b) {
        return dsp <= b.dsp() && bram36 <= b.bram36() + 4 * b.uram() && ff <= b.ff() && lut <= b.lut();
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
