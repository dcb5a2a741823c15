package io.embedflow.orchestrator.queue;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one admission pass decided.
 *
 * @param admit the requests to admit now, in the order the policy chose them
 * @param reservedFor the request the pass stopped at: the head of the most underserved tenant,
 *     which does not fit in the free slots; pass its id to the next pass (see
 *     {@link FairSharePolicy}); empty when the pass ran out of requests instead
 * @param unsatisfiable requests that can never be admitted under this {@link FairShare} (more slots
 *     than the cluster or than their tenant's quota); they are skipped, not waited for, and stay
 *     queued in case the capacity or the quota grows
 */
public record AdmissionPlan(List<SlotClaim> admit, Optional<SlotClaim> reservedFor, List<SlotClaim> unsatisfiable) {

    public AdmissionPlan {
        admit = List.copyOf(admit);
        Objects.requireNonNull(reservedFor, "reservedFor");
        unsatisfiable = List.copyOf(unsatisfiable);
    }
}
