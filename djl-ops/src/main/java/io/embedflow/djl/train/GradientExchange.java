package io.embedflow.djl.train;

/**
 * What a data-parallel training step needs from the rest of its gang: the embeddings of every
 * member's shard (so in-batch negatives span the global batch) and the sum of every member's
 * gradients. Implementations block until every member took part, and fail, never hang, when one
 * does not ({@code io.embedflow.djl.collective}). Members call the methods in the same order with
 * arrays of the same length.
 */
public interface GradientExchange {
    int rank();

    int worldSize();

    /** Every member's {@code local}, concatenated in rank order. */
    float[] allGather(float[] local);

    /** Replaces {@code data} with the element-wise sum over members. */
    void allReduceSum(float[] data);

    /** A gang of one: gathering and summing change nothing. */
    static GradientExchange single() {
        return new GradientExchange() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int worldSize() {
                return 1;
            }

            @Override
            public float[] allGather(float[] local) {
                return local.clone();
            }

            @Override
            public void allReduceSum(float[] data) {}
        };
    }
}
