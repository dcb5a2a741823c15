package io.embedflow.djl.collective;

/**
 * Which segment of the buffer a member sends and receives in each step of a ring all-reduce. The
 * buffer's {@code length} floats are cut into {@code n} segments whose lengths differ by at most one
 * (some are empty when the buffer has fewer floats than members). Steps {@code 0 .. n-2} are the
 * reduce-scatter, steps {@code n-1 .. 2n-3} the all-gather.
 *
 * <p>In reduce-scatter step {@code t} a member sends segment {@code rank - t} and adds what it
 * receives into segment {@code rank - t - 1}; after the last one it holds the gang's sum of segment
 * {@code rank + 1}. In all-gather step {@code s} it sends segment {@code rank + 1 - s} and stores what
 * it receives into segment {@code rank - s}. What a member sends in step {@code t >= 1} is what it
 * received in step {@code t - 1}: the send stream after step 0 is the receive stream, which is what
 * lets sending follow receiving float by float. With {@code mean} the sums are divided by {@code n}
 * once, after the last add; without, they stay sums.
 */
record RingSchedule(int rank, int n, int length, boolean mean) {
    int steps() {
        return 2 * (n - 1);
    }

    int sendSegment(int step) {
        return step < n - 1 ? Math.floorMod(rank - step, n) : Math.floorMod(rank + 1 - (step - (n - 1)), n);
    }

    int receiveSegment(int step) {
        return step < n - 1 ? Math.floorMod(rank - step - 1, n) : Math.floorMod(rank - (step - (n - 1)), n);
    }

    /** Whether what is received in {@code step} is added (reduce-scatter) rather than stored (all-gather). */
    boolean adds(int step) {
        return step < n - 1;
    }

    /** What the sums received in {@code step} are divided by: N after the last add of a mean, else 1. */
    float divisor(int step) {
        return mean && step == n - 2 ? n : 1f;
    }

    int offset(int segment) {
        return segment * (length / n) + Math.min(segment, length % n);
    }

    int length(int segment) {
        return length / n + (segment < length % n ? 1 : 0);
    }
}
