package dev.vitforge.host.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vitforge.hwgen.gemm.GemmConfig;
import dev.vitforge.models.tensor.Int8Tensor;

class SimGemmEngineTest {

    static int[] naive(Int8Tensor x, Int8Tensor w, boolean[][] kept, int b) {
        int m = x.shape()[0], k = x.shape()[1], n = w.shape()[0];
        int[] y = new int[m * n];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < n; c++) {
                int s = 0;
                for (int i = 0; i < k; i++) {
                    if (kept[c / b][i / b]) {
                        s += x.get(r, i) * w.get(c, i);
                    }
                }
                y[r * n + c] = s;
            }
        }
        return y;
    }

    static Int8Tensor random(Random rnd, int rows, int cols) {
        byte[] d = new byte[rows * cols];
        rnd.nextBytes(d);
        return new Int8Tensor(new int[] {rows, cols}, d);
    }

    @Test
    void smallCase() {
        Random rnd = new Random(3);
        int b = 8, m = 13, k = 20, n = 19;
        GemmConfig c = GemmConfig.of(b, 8, 2, 32, 32, 4);
        Int8Tensor x = random(rnd, m, k);
        Int8Tensor w = random(rnd, n, k);
        boolean[][] kept = new boolean[(n + b - 1) / b][(k + b - 1) / b];
        for (boolean[] row : kept) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rnd.nextBoolean();
            }
        }
        kept[0][0] = true;
        GemmRun run = new SimGemmEngine(c, false).run(x, w, kept, SimGemmEngine.Backpressure.NONE, null);
        assertArrayEquals(naive(x, w, kept, b), run.y().data());
        assertEquals(run.predictedCycles(), run.cycles());
    }
}
