package io.embedflow.djl.train;

import io.embedflow.djl.collective.Collective;

/** A trainer's exchange over a gang's {@link Collective} (the ring all-reduce over TCP); the caller keeps the collective. */
public final class CollectiveExchange implements GradientExchange {
    private final Collective collective;

    public CollectiveExchange(Collective collective) {
        this.collective = collective;
    }

    @Override
    public int rank() {
        return collective.member().rank();
    }

    @Override
    public int worldSize() {
        return collective.member().worldSize();
    }

    @Override
    public float[] allGather(float[] local) {
        return collective.allGather(local);
    }

    @Override
    public void allReduceSum(float[] data) {
        collective.allReduceSum(data);
    }
}
