package io.embedflow.orchestrator.gang;

/** One attempt of a gang, as its launcher started it. */
public interface LaunchedGang extends AutoCloseable {
    /** The attempt's state now; never blocks for long. */
    GangStatus status();

    /** Stops every member of the attempt and waits until none runs; idempotent. */
    void stop();

    /** {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
