package io.embedflow.bench;

import io.embedflow.djl.train.GradientExchange;

/**
 * A trainer's exchange that adds up the time spent in its calls since the last {@link #reset()}:
 * the all-gather of embeddings and the all-reduce of gradients. That time is communication plus
 * waiting for the slower members; the rest of a step is this member's own compute. Used from the
 * training loop's thread only, like the trainer.
 */
final class TimedExchange implements GradientExchange {
    private final GradientExchange exchange;
    private long gatherNanos;
    private long reduceNanos;

    TimedExchange(GradientExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public int rank() {
        return exchange.rank();
    }

    @Override
    public int worldSize() {
        return exchange.worldSize();
    }

    @Override
    public float[] allGather(float[] local) {
        long t0 = System.nanoTime();
        try {
            return exchange.allGather(local);
        } finally {
            gatherNanos += System.nanoTime() - t0;
        }
    }

    @Override
    public void allReduceSum(float[] data) {
        long t0 = System.nanoTime();
        try {
            exchange.allReduceSum(data);
        } finally {
            reduceNanos += System.nanoTime() - t0;
        }
    }

    void reset() {
        gatherNanos = 0;
        reduceNanos = 0;
    }

    long gatherNanos() {
        return gatherNanos;
    }

    long reduceNanos() {
        return reduceNanos;
    }
}
