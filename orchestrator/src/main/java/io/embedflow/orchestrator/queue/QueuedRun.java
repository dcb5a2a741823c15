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
 */
public record QueuedRun(long id, RunRequest request, QueueState state, int attempts, Instant admittedAt, String leaseOwner,
        Instant leaseExpiresAt, Instant finishedAt, String runId) {

    public QueuedRun {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(state, "state");
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
