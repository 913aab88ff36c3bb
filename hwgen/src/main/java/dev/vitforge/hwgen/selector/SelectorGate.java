package dev.vitforge.hwgen.selector;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.ir.Module;
import dev.vitforge.hwgen.ir.Signal;

/**
 * The selector's head gate as one on-chip stream, fed by the front's row means while the front
 * runs: per token, the H channel means -> head_gate.0 (MatVec hg x H) -> GELU (hg channels) ->
 * head_gate.1 (MatVec H x hg) -> the H logits g1 the decision weighs the heads with. One element per
 * beat (the layers are H and hg = max(1, H / 2) wide); a token takes max(H, hg) cycles, far below
 * the front's d / c1 cycles per head row, so it keeps pace with the front and is done when the front is.
 *
 * <p>Ports: {@code gelu_*} (the GELU's constants), parameter streams {@code gate0_param},
 * {@code gelu_param}, {@code gate1_param} in the kernels' formats; stream {@code row_mean} (int8, H
 * beats a token, heads in order); stream {@code g1} (int32, H beats a token, TLAST on the last head).
 */
public final class SelectorGate {
    private SelectorGate() {}

    /** Hidden width of the gate: max(1, H / 2). */
    public static int hidden(int heads) {
        return Math.max(1, heads / 2);
    }

    public static MatVecUnit.Shape gate0(int heads) {
        return new MatVecUnit.Shape(heads, hidden(heads), 1, 1);
    }

    public static MatVecUnit.Shape gate1(int heads) {
        return new MatVecUnit.Shape(hidden(heads), heads, 1, 1);
    }

    public static String moduleName(int heads) {
        return "selector_gate_h" + heads;
    }

    public static Design design(int heads) {
        return Design.of(generate(moduleName(heads), heads), "SelectorGate.design(" + heads + ")");
    }

    /**
     * Cycles from the first handshake to the last {@code g1} handshake for {@code tokens} tokens at full
     * rate (parameter streams loading at once): head_gate.0's parameters (H + 4 beats), its H chunks a
     * token, then the last token through head_gate.0's latency, the GELU's, head_gate.1's hg chunks and
     * latency, and its H output beats. head_gate.0 takes a token per H cycles and head_gate.1 drains one
     * per max(hg, H) = H, so neither waits for the other.
     */
    public static long cycles(int heads, int tokens) {
        MatVecUnit.Shape g0 = gate0(heads);
        MatVecUnit.Shape g1 = gate1(heads);
        long params = MatVecUnit.cycles(g0, 0);
        return params + (long) tokens * g0.cyclesPerRow() + MatVecUnit.LATENCY + GeluUnit.LATENCY
                + g1.inputs() + MatVecUnit.LATENCY + g1.outBeats();
    }

    public static Module generate(String name, int heads) {
        int hg = hidden(heads);
        ModuleBuilder m = new ModuleBuilder(name, "selector head gate, " + heads + " heads: head_gate.0, GELU, "
                + "head_gate.1 per token, one element per beat");
        m.parameter("HEADS", heads);
        Expr clk = m.clock().ref();
        Expr rstN = m.resetN().ref();
        StreamPort means = StreamPort.input(m, "row_mean", 8, false);
        StreamPort g1 = StreamPort.output(m, "g1", 32, true);
        Module gate0 = MatVecUnit.generate(name + "_gate0", gate0(heads));
        Module gelu = GeluUnit.generate(name + "_gelu", hg, 1);
        Module gate1 = MatVecUnit.generate(name + "_gate1", gate1(heads));
        Signal geluReady = m.wire("gelu_in_ready", 1);
        Signal gate1Ready = m.wire("gate1_in_ready", 1);
        Wiring.Out hidden = Wiring.matVec(m, "gate0", gate0, clk, rstN, means.valid().ref(), means.data().ref(),
                means.ready(), geluReady.ref());
        Wiring.Out a = Wiring.gelu(m, "gelu", gelu, hg, clk, rstN, hidden.valid().ref(), hidden.data().ref(),
                hidden.last().ref(), geluReady, gate1Ready.ref());
        Wiring.Out out = Wiring.matVec(m, "gate1", gate1, clk, rstN, a.valid().ref(), a.data().ref(), gate1Ready,
                g1.ready().ref());
        m.assign(g1.valid(), out.valid().ref());
        m.assign(g1.data(), out.data().ref());
        m.assign(g1.last(), out.last().ref());
        return m.build();
    }
}
