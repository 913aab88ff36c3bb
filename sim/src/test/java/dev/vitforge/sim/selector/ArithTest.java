package dev.vitforge.sim.selector;

import static dev.vitforge.hwgen.ir.Ops.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.build.ModuleBuilder;
import dev.vitforge.hwgen.gen.StreamPort;
import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.hwgen.ir.Expr;
import dev.vitforge.hwgen.selector.Arith;
import dev.vitforge.models.quant.Requant;
import dev.vitforge.sim.tb.Scoreboard;
import dev.vitforge.sim.tb.Seeds;
import dev.vitforge.sim.tools.DesignFiles;
import dev.vitforge.sim.verilator.Beats;
import dev.vitforge.sim.verilator.SimInstance;
import dev.vitforge.sim.verilator.VerilatorModel;

/**
 * The shared selector arithmetic on Verilator: run-time requantisation against models' Requant
 * (every shift, extreme inputs, the zero multiplier) and the pipelined divider against long
 * division, under random backpressure.
 */
class ArithTest {
    static final int Q = 20;

    /** in: {divisor 24, dividend 44, shift 7, mult 31, x 64} -> out: {quotient 20, requant 40}. */
    static Design probe() {
        ModuleBuilder m = new ModuleBuilder("arith_probe", "requant and divider probe");
        StreamPort in = StreamPort.input(m, "in", 64 + 31 + 7 + 44 + 24, false);
        StreamPort out = StreamPort.output(m, "out", Q + 40, false);
        var outValid = m.register("out_valid", 1, 0);
        Expr advance = m.let("advance", or(not(outValid.ref()), out.ready().ref()));
        Expr d = in.data().ref();
        Expr x = asSigned(slice(d, 63, 0));
        Expr mult = slice(d, 94, 64);
        Expr shift = slice(d, 101, 95);
        Expr dividend = slice(d, 145, 102);
        Expr divisor = slice(d, 169, 146);
        Expr r = Arith.requant(m, "rq", x, mult, shift, 40);
        Expr q = Arith.divide(m, "div", advance, dividend, divisor, Q);
        Expr rDelayed = Arith.delay(m, "rq_d", advance, r, Q);
        Expr valid = Arith.delayValid(m, "valid", advance, in.valid().ref(), Q);
        var outData = m.register("out_data", Q + 40, false, null);
        m.next(outData, advance, concat(q, asUnsigned(rDelayed)));
        m.next(outValid, advance, valid);
        m.assign(in.ready(), advance);
        m.assign(out.valid(), outValid.ref());
        m.assign(out.data(), outData.ref());
        return Design.of(m.build(), "ArithTest.probe");
    }

    @Test
    void requantAndDivideMatchTheReference() {
        long seed = Seeds.of("arith", 11);
        Random rnd = new Random(seed);
        int n = 3000;
        int[][] beats = new int[n][];
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long x = switch (i % 5) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextInt();
                case 2 -> rnd.nextInt(2001) - 1000;
                case 3 -> i % 2 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
                default -> (long) rnd.nextInt(1 << 16) << rnd.nextInt(40);
            };
            int mult = i % 97 == 0 ? 0 : (1 << 30) + rnd.nextInt(1 << 30);
            int shift = i % 3 == 0 ? 1 + rnd.nextInt(126) : 1 + rnd.nextInt(64);
            Requant rq = new Requant(mult, shift);
            // Exact (BigInteger) round half up; models Requant agrees wherever its result fits a long.
            BigInteger exact = BigInteger.valueOf(x).multiply(BigInteger.valueOf(mult))
                    .add(BigInteger.ONE.shiftLeft(shift - 1)).shiftRight(shift);
            if (exact.bitLength() < 63) {
                assertEquals(exact.longValue(), rq.apply(x), "models Requant");
            }
            long rExp = exact.max(BigInteger.valueOf(-(1L << 39))).min(BigInteger.valueOf((1L << 39) - 1)).longValue();
            long divisor = i % 11 == 0 ? 1 + rnd.nextInt(4) : 1 + rnd.nextInt((1 << 24) - 1);
            long dividend = Math.floorMod(rnd.nextLong(), divisor << Q) & ((1L << 44) - 1);
            if (dividend >= divisor << Q) {
                dividend = (divisor << Q) - 1;
            }
            long qExp = dividend / divisor;
            BigInteger word = BigInteger.valueOf(divisor).shiftLeft(146)
                    .or(BigInteger.valueOf(dividend).shiftLeft(102))
                    .or(BigInteger.valueOf(shift).shiftLeft(95))
                    .or(BigInteger.valueOf(mult).shiftLeft(64))
                    .or(BigInteger.valueOf(x).and(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)));
            beats[i] = words(word, 6);
            expected.add(qExp + " " + rExp + "  (x " + x + " m " + mult + " s " + shift + " / " + dividend + "/" + divisor + ")");
        }
        try (SimInstance sim = VerilatorModel.build(DesignFiles.source(probe())).newInstance()) {
            sim.reset(2);
            sim.backpressure(seed, 80, 60);
            sim.push("in", beats, new boolean[n]);
            sim.expect("out", n);
            long cycles = sim.run(20L * n);
            assertNotEquals(SimInstance.BUDGET_EXHAUSTED, cycles, Seeds.replay("sim", "ArithTest", seed));
            Beats out = sim.pop("out");
            List<String> actual = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                BigInteger v = fromWords(out.words(i));
                long r = v.and(BigInteger.ONE.shiftLeft(40).subtract(BigInteger.ONE)).longValue();
                r = r << 24 >> 24;
                long q = v.shiftRight(40).longValue();
                actual.add(q + " " + r + expected.get(i).substring(expected.get(i).indexOf("  (")));
            }
            new Scoreboard("requant / divide", Seeds.replay("sim", "ArithTest", seed)).check(expected, actual);
        }
    }

    static int[] words(BigInteger v, int n) {
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = v.shiftRight(32 * i).intValue();
        }
        return w;
    }

    static BigInteger fromWords(int[] w) {
        BigInteger v = BigInteger.ZERO;
        for (int i = w.length - 1; i >= 0; i--) {
            v = v.shiftLeft(32).or(BigInteger.valueOf(w[i] & 0xFFFFFFFFL));
        }
        return v;
    }
}
