package io.embedflow.djl.collective;

import java.nio.FloatBuffer;

/**
 * Collective operations among the members of one gang, on float buffers, in place. Every member
 * must call the same operations in the same order with the same sizes; a member that does not
 * makes the operation fail on the members next to it in the ring, and so everywhere.
 *
 * <p>Threading: operations run one at a time on the collective's own communication thread, in the
 * order they were submitted. {@code submitMean}, {@code allReduceMean}, {@link #barrier()} and
 * {@link #awaitAll()} are called from one thread (the training loop's); {@link #close()} from any.
 * A buffer handed to {@code submitMean} belongs to the collective until its {@link PendingReduce}
 * is done: do not read or write it before.
 *
 * <p>Failure: nothing waits forever. An operation fails with a {@link GangException} naming the
 * member at fault when a neighbour closes or resets its link, sends nothing (or takes nothing) for
 * the step timeout, or disagrees about the operation's size. The collective is then poisoned: every
 * pending and later operation fails fast with the first failure as its cause, and the gang restarts.
 *
 * <p>Overlapping communication with the backward pass:
 * <pre>{@code
 * try (Collective gang = RingAllReduce.join(GangMember.fromEnvironment(), CollectiveOptions.defaults())) {
 *     for (Batch batch : shard) {
 *         for (float[] bucket : backward(batch)) {   // buckets as their gradients become ready
 *             gang.submitMean(bucket);
 *         }
 *         gang.awaitAll();                           // every bucket now holds the gang's mean
 *         step();
 *     }
 * }
 * }</pre>
 */
public interface Collective extends AutoCloseable {
    /** This member's identity. */
    GangMember member();

    /**
     * Starts replacing every float of {@code bucket} by its mean over the gang, behind the
     * operations submitted before; returns at once unless {@link CollectiveOptions#maxPendingBuckets()}
     * are pending, then waits for one to finish.
     *
     * @throws GangException if the collective failed earlier or is closed
     */
    PendingReduce submitMean(float[] bucket);

    /** As {@link #submitMean(float[])}, for the floats from {@code bucket}'s position to its limit (neither moves). */
    PendingReduce submitMean(FloatBuffer bucket);

    /** Replaces every float of {@code data} by its mean over the gang, after every operation submitted before; blocks. */
    default void allReduceMean(float[] data) {
        submitMean(data).await();
    }

    /** As {@link #allReduceMean(float[])}, for the floats from {@code data}'s position to its limit. */
    default void allReduceMean(FloatBuffer data) {
        submitMean(data).await();
    }

    /** As {@link #submitMean(float[])}, but every float becomes the gang's sum. */
    PendingReduce submitSum(float[] bucket);

    /** As {@link #submitSum(float[])}, for the floats from {@code bucket}'s position to its limit. */
    PendingReduce submitSum(FloatBuffer bucket);

    /** Replaces every float of {@code data} by its sum over the gang; blocks. */
    default void allReduceSum(float[] data) {
        submitSum(data).await();
    }

    /**
     * Every member's {@code local} (all of the same length), concatenated in rank order; blocks. A sum
     * of buffers that are zero outside each member's own slot, so the result is exact.
     */
    default float[] allGather(float[] local) {
        GangMember me = member();
        float[] all = new float[Math.multiplyExact(local.length, me.worldSize())];
        System.arraycopy(local, 0, all, me.rank() * local.length, local.length);
        allReduceSum(all);
        return all;
    }

    /** Waits until every operation submitted so far is done; throws the first failure. */
    void awaitAll();

    /** Returns once every member has reached its barrier (and every operation submitted before it is done). */
    void barrier();

    /**
     * Stops the communication thread and closes the links; pending operations fail. The neighbours
     * see the links close and fail their current or next operation. Idempotent.
     */
    @Override
    void close();
}
