package dev.vitforge.host.selector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.selector.FusedSelector;
import dev.vitforge.models.quant.IntegerSelector;
import dev.vitforge.models.quant.LinearExecutor;
import dev.vitforge.models.tensor.Float32Tensor;
import dev.vitforge.sim.tb.Seeds;

/**
 * The fused selector's RTL chain (front, head gate, mlp.0's global half, tail, decision, pack) on
 * Verilator against {@link IntegerSelector#step} on quantised random selectors, bit for bit: the
 * decisions, margins, p, every head's z_keep - z_drop, the kept rows and the package token with its
 * weight; one token and many, a first step (no package token yet) and a later one (a package token
 * of some weight coming in), a later one with no patch rows left (only the pack runs), at head widths
 * 64 (DeiT-T and DeiT-B's 12 heads), 48 and 8, at 4 lanes and 2; every stage in exactly the cycles of its model
 * ({@link FusedSelector#stageCycles}), which the cpu device reports.
 */
class FusedSelectorUnitTest {
    @ParameterizedTest(name = "D = {0}, H = {1}, {2} tokens, {3} lanes")
    @CsvSource({"192, 3, 2, 4", "192, 3, 197, 4", "96, 2, 9, 4", "48, 6, 50, 4", "768, 12, 50, 4", "192, 3, 50, 2"})
    void computesTheIntegerSelectorBitForBit(int dim, int heads, int tokens, int lanes) {
        long seed = Seeds.of("fused selector", 31L * dim + 7L * heads + tokens);
        String replay = Seeds.replay("host", "FusedSelectorUnitTest", seed);
        Random rnd = new Random(seed);
        int d = dim / heads;
        Function<String, Float32Tensor> w = SelectorBench.randomSelector(d, heads, seed);
        Float32Tensor x = SelectorBench.tokens(tokens, dim, seed + 1);
        IntegerSelector q = IntegerSelector.quantize(w, heads, dim, List.of(x));
        int patchCount = tokens - 1;
        int[][] patches = new int[patchCount][dim];
        for (int t = 0; t < patchCount; t++) {
            for (int c = 0; c < dim; c++) {
                patches[t][c] = (int) Math.round(x.data()[(t + 1) * dim + c] / q.inScale());
            }
        }
        List<Map<String, Object>> simLog = new ArrayList<>();
        List<Map<String, Object>> cpuLog = new ArrayList<>();
        FusedSelector.Shapes shapes = FusedSelector.Shapes.of(dim, heads, lanes);
        FusedSelectorUnit unit = new FusedSelectorUnit(shapes, patchCount, true).logInto(simLog);
        FusedSelectorUnit cpu = new FusedSelectorUnit(shapes, patchCount, false).logInto(cpuLog);
        for (int step = 0; step < 3; step++) {
            int[] pkg = new int[dim];
            long pkgWeight = 0;
            if (step > 0) { // a later selector: a package token of some weight comes in
                for (int c = 0; c < dim; c++) {
                    pkg[c] = rnd.nextInt(1 << 20) - (1 << 19);
                }
                pkgWeight = 1 + rnd.nextInt(40 << 15);
            }
            int[][] rows = step == 2 ? new int[0][] : patches; // a later selector after everything was dropped
            IntegerSelector.Step want = q.step(rows, pkg, pkgWeight, LinearExecutor.JAVA);
            // The RTL from the constants, then through the device interface the forward pass uses.
            IntegerSelector.Step got = step == 0 ? unit.step(q.constants(), rows, pkg, pkgWeight)
                    : unit.step(q, rows, pkg, pkgWeight);
            IntegerSelector.Step onCpu = cpu.step(q, rows, pkg, pkgWeight);
            int n = rows.length;
            String what = "D " + dim + ", H " + heads + ", L " + lanes + ", n " + n + ", step " + step + "\n" + replay;
            assertArrayEquals(want.pkg(), onCpu.pkg(), "cpu device, " + what);
            // Each stage took exactly the cycles its model gives, and the cpu device reports those.
            Map<String, Long> model = FusedSelector.stageCycles(unit.shapes(), n);
            assertEquals(model, simLog.get(step).get("stages"), "stage cycles, " + what);
            assertEquals(model, cpuLog.get(step).get("stages"), "cpu stage cycles, " + what);
            assertArrayEquals(want.decision().keep(), got.decision().keep(), "keep, " + what);
            assertArrayEquals(want.decision().margins(), got.decision().margins(), "margins, " + what);
            assertArrayEquals(want.decision().p(), got.decision().p(), "p, " + what);
            for (int t = 0; t < n; t++) {
                assertArrayEquals(want.decision().diffs()[t], got.decision().diffs()[t], "diffs of token " + t + ", "
                        + what);
            }
            assertEquals(want.kept().length, got.kept().length, "kept rows, " + what);
            for (int r = 0; r < want.kept().length; r++) {
                assertArrayEquals(want.kept()[r], got.kept()[r], "kept row " + r + ", " + what);
            }
            assertArrayEquals(want.pkg(), got.pkg(), "package token, " + what);
            assertEquals(want.pkgWeight(), got.pkgWeight(), "package weight, " + what);
        }
    }
}
