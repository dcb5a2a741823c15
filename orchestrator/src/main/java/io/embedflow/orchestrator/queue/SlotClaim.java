package io.embedflow.orchestrator.queue;

import java.util.Objects;

/**
 * The fair-share policy's whole view of a request: which tenant it bills, how it ranks among that
 * tenant's requests, and how many slots it holds or wants.
 *
 * @param id the queue id: enqueue order, so a lower id is older (FIFO)
 */
public record SlotClaim(long id, String tenant, int priority, int slots) {

    public SlotClaim {
        Objects.requireNonNull(tenant, "tenant");
        if (slots < 1) {
            throw new IllegalArgumentException("request " + id + " claims " + slots + " slots");
        }
    }
}
