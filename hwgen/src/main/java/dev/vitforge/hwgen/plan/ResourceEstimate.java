package dev.vitforge.hwgen.plan;

import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.hwgen.selector.SelectorGate;

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

    /**
     * The selector unit's five kernels at {@code lanes} elements per beat: linear in the lanes, fitted to
     * Yosys synth_xilinx of the generated kernels (GELU 16 lanes: 464 DSP, 40.4k LUT, 5.8k FF; LayerNorm 1
     * and 4 lanes: 29/68 DSP, 7.9k/16.9k LUT, 5.7k/8.7k FF; pack 16 lanes: 36, 7.1k, 6.1k; decision: 19,
     * 4.9k, 3.0k; group mean 16 lanes: 8, 1.2k, 0.1k). The row buffer and the pack's sums are the block
     * RAM (72-bit-wide BRAM36 columns).
     */
    public static ResourceEstimate selectorUnit(int lanes) {
        int dsp = 29 * lanes + (16 + 13 * lanes) + (4 + 2 * lanes) + 19 + 8;
        long lut = 2526L * lanes + (4910 + 3009L * lanes) + 444L * lanes + 4864 + 73L * lanes;
        long ff = 361L * lanes + (4767 + 982L * lanes) + 381L * lanes + 2972 + 7L * lanes;
        int bram = ceil(32 * lanes, 72) + ceil(64 * lanes, 72);
        return new ResourceEstimate(dsp, bram, ff, lut);
    }

    /**
     * The fused selector ({@link FusedSelector}): a DSP per int8 multiplier of its arrays plus the kernels'
     * fitted DSPs (GELU 29 a lane, LayerNorm 16 + 13 a lane, the front's token means 4 a lane - 4, decision
     * 19, pack 4 + 2 a lane); LUTs, flip-flops and block RAM of each stage linear in its lanes, fitted to
     * Yosys synth_xilinx of the DeiT-B build (d 64, H 12) at 4 lanes and 2 (FusedSelectorBench): front
     * 64.4k / 53.0k LUT and 36.5k / 32.6k FF (a large part is the H x d/2 token sums, which do not shrink
     * with the lanes), tail 20.6k / 14.1k and 18.2k / 17.0k, mlp.0 global 2.5k and 4.2k / 3.6k, head gate
     * 2.4k / 2.4k, decision 5.3k / 3.0k, pack at 16 lanes 7.1k / 6.1k; 1,114 and 614 DSPs. Fitted at 12
     * heads, so generous for fewer.
     */
    public static ResourceEstimate fusedSelector(FusedSelector.Shapes s) {
        int fl = s.front().lanes();
        int bl = s.back().lanes();
        int pl = s.packLanes();
        int h = s.heads();
        int gateDsp = SelectorGate.hidden(h) + h + 29;
        int dsp = s.front().multipliers() + 16 + 13 * fl + 29 * fl + 4 * fl - 4 + gateDsp + s.global().multipliers()
                + s.back().multipliers() + 2 * 29 * bl + 19 + 4 + 2 * pl;
        long lut = 41_688L + 5_680L * fl + 2_418 + 2_500 + 7_611 + 3_232L * bl + 5_344 + 444L * pl;
        long ff = 28_617L + 1_968L * fl + 2_367 + 3_100 + 263L * fl + 15_912 + 568L * bl + 3_044 + 381L * pl;
        return new ResourceEstimate(dsp, Math.max(1, fl / 2), ff, lut);
    }

    /** This estimate and {@code other} together (two blocks on one device). */
    public ResourceEstimate plus(ResourceEstimate other) {
        return new ResourceEstimate(dsp + other.dsp, bram36 + other.bram36, ff + other.ff, lut + other.lut);
    }

    /** Whether the estimate fits the board's budgets. */
    public boolean fits(Board b) {
        return dsp <= b.dsp() && bram36 <= b.bram36() + 4 * b.uram() && ff <= b.ff() && lut <= b.lut();
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
