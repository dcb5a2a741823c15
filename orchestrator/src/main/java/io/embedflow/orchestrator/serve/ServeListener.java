package io.embedflow.orchestrator.serve;

import java.time.Duration;

/**
 * Told what the serve daemon does, for metrics. {@link #runStarted} and {@link #passEnded} are
 * called on the daemon's pass thread, {@link #runEnded} on run threads, so an implementation must
 * be thread-safe; each call must return quickly and should not throw (what it throws is logged and
 * otherwise ignored).
 */
public interface ServeListener {

    ServeListener NONE = new ServeListener() {};

    /**
     * The daemon started a run for a request of {@code tenant}.
     *
     * @param sinceFiring from when the run's trigger fired to this start: the trigger-to-submit latency
     */
    default void runStarted(String tenant, String spec, Duration sinceFiring) {}

    /** A run this daemon followed ended (succeeded or failed; a failed one may be retried as a new run). */
    default void runEnded(String tenant, String spec, boolean succeeded) {}

    /** A pass (trigger evaluation, intake, admission) ended. */
    default void passEnded(ServeDaemon.Pass pass) {}
}
