package io.embedflow.orchestrator.queue;

/**
 * Why a request goes back in line ({@link RunQueue#requeue}). The first two are retries, counted per
 * request and class so that each class has its own budget; the last is not a retry.
 */
public enum Requeue {
    /** Its run failed for a reason that passes (the cluster or a store was unreachable, throttling). */
    TRANSIENT,
    /** Its run lost its resources (a task manager or the daemon running it went away). */
    PREEMPTION,
    /** Its daemon let go of it without a failure (a shutdown that re-queues its runs). */
    RELEASED
}
