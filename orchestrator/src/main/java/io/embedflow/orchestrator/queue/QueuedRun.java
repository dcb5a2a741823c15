package io.embedflow.orchestrator.queue;

import java.time.Instant;
import java.util.Objects;

/**
 * A run request as the queue holds it.
 *
 * @param id the queue's id for it: 1, 2, 3, ... in enqueue order, never reused
 * @param attempts how often it was admitted (more than 1 after a lease expired and it was reclaimed)
 * @param admittedAt when it was last admitted; null unless {@link QueueState#ADMITTED}
 * @param leaseOwner the daemon holding it; null unless {@link QueueState#ADMITTED}
 * @param leaseExpiresAt when the lease lapses unless the owner renews it; null unless admitted
 * @param finishedAt when it reached a terminal state; null before
 * @param runId the run record it became ({@link RunQueue#attachRun} or {@link RunQueue#finish}),
 *     kept when a reclaim sends it back to the queue so that the next owner can reconcile; may be null
 * @param transientRetries how often it was put back in line after a transient failure ({@link RunQueue#requeue})
 * @param preemptionRetries how often it was put back in line after a preemption
 * @param notBefore while queued, the time before which admission passes leave it alone (it is backing
 *     off after a failure); null for no wait
 */
public record QueuedRun(long id, RunRequest request, QueueState state, int attempts, Instant admittedAt, String leaseOwner,
        Instant leaseExpiresAt, Instant finishedAt, String runId, int transientRetries, int preemptionRetries,
        Instant notBefore) {

    public QueuedRun {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(state, "state");
    }

    /** A request never put back in line by {@link RunQueue#requeue}. */
    public QueuedRun(long id, RunRequest request, QueueState state, int attempts, Instant admittedAt, String leaseOwner,
            Instant leaseExpiresAt, Instant finishedAt, String runId) {
        this(id, request, state, attempts, admittedAt, leaseOwner, leaseExpiresAt, finishedAt, runId, 0, 0, null);
    }

    /** How often it was put back in line for {@code reason}; 0 for {@link Requeue#RELEASED}, which is not counted. */
    public int retries(Requeue reason) {
        return switch (reason) {
            case TRANSIENT -> transientRetries;
            case PREEMPTION -> preemptionRetries;
            case RELEASED -> 0;
        };
    }

    public String tenant() {
        return request.tenant();
    }

    public int slots() {
        return request.slots();
    }

    public SlotClaim claim() {
        return request.claim(id);
    }
}
