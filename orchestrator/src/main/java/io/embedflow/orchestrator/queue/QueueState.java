package io.embedflow.orchestrator.queue;

/**
 * Where a queued run request stands. {@link #QUEUED} → {@link #ADMITTED} (holding its slots under
 * a lease) → {@link #SUCCEEDED} or {@link #FAILED}; {@link #CANCELLED} from either of the first
 * two. An admitted request whose lease expired goes back to {@link #QUEUED}
 * ({@link RunQueue#reclaimExpired}). The last three are terminal.
 */
public enum QueueState {
    QUEUED,
    ADMITTED,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    /** Queued or admitted: counts for deduplication and, when admitted, holds slots. */
    public boolean isActive() {
        return this == QUEUED || this == ADMITTED;
    }

    public boolean isTerminal() {
        return !isActive();
    }
}
