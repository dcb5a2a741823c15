package io.embedflow.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The float32 matrix-multiply rate this machine reaches through DJL's PyTorch engine, with the
 * engine's own thread settings: the peak a model's FLOP rate is compared with. A square product
 * of size n costs {@code 2*n^3} FLOPs; the best of several rounds is kept, since other work on
 * shared cores only ever makes a round slower.
 */
final class MatmulPeak {
    private MatmulPeak() {}

    /** Best FLOP/s over {@code rounds} rounds of {@code perRound} products of n x n matrices. */
    static double measure(int n, int rounds, int perRound) {
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray a = manager.randomUniform(-1f, 1f, new Shape(n, n));
            NDArray b = manager.randomUniform(-1f, 1f, new Shape(n, n));
            a.matMul(b).close();
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    // eager CPU: matMul returns when the product is computed
                    a.matMul(b).close();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, 2.0 * n * n * (double) n * perRound / seconds);
            }
        }
        return best;
    }
}
