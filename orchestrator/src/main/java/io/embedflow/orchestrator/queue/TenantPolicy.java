package io.embedflow.orchestrator.queue;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.OptionalInt;

/**
 * A tenant's claim on the cluster: its weight in the fair share and, optionally, a quota on the
 * slots it may hold at once. A tenant without a policy of its own gets {@link #defaults}.
 *
 * @param weight at least 1; under contention tenants' slot shares tend to the ratio of their weights
 * @param maxSlots the most slots its admitted runs may hold together; empty for no quota
 */
public record TenantPolicy(String name, int weight, OptionalInt maxSlots) {

    public static final int DEFAULT_WEIGHT = 1;
    /** Weights are small integers so that shares compare exactly; 1000 is ample for any ratio. */
    public static final int MAX_WEIGHT = 1000;

    public TenantPolicy {
        RunRequest.requireValidTenant(name);
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new OrchestratorException("tenant " + name + " has weight " + weight + "; a weight is 1 to " + MAX_WEIGHT);
        }
        if (maxSlots == null) {
            maxSlots = OptionalInt.empty();
        }
        if (maxSlots.isPresent() && maxSlots.getAsInt() < 1) {
            throw new OrchestratorException("tenant " + name + " has a quota of " + maxSlots.getAsInt()
                    + " slots; a quota is at least 1 (leave it out for none)");
        }
    }

    /** Weight 1, no quota. */
    public static TenantPolicy defaults(String name) {
        return new TenantPolicy(name, DEFAULT_WEIGHT, OptionalInt.empty());
    }

    /** {@code weight}, no quota. */
    public static TenantPolicy of(String name, int weight) {
        return new TenantPolicy(name, weight, OptionalInt.empty());
    }

    public TenantPolicy withMaxSlots(int slots) {
        return new TenantPolicy(name, weight, OptionalInt.of(slots));
    }

    /** Whether holding {@code slots} in all stays within the quota. */
    boolean allows(long slots) {
        return maxSlots.isEmpty() || slots <= maxSlots.getAsInt();
    }
}
