package io.embedflow.orchestrator.queue;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the cluster offers and how it is shared: its capacity in task slots (configured, or read
 * from the Flink cluster by the caller) and the tenants' policies. Passed in rather than stored,
 * so the daemon's configuration file stays the single source, and a capacity read from Flink can
 * change from one admission pass to the next; a tenant not named here gets
 * {@link TenantPolicy#defaults} (weight 1, no quota).
 *
 * <pre>{@code
 * FairShare share = FairShare.of(16, List.of(TenantPolicy.of("search", 2), TenantPolicy.of("ads", 1).withMaxSlots(8)));
 * }</pre>
 */
public record FairShare(int capacitySlots, Map<String, TenantPolicy> tenants) {

    public FairShare {
        if (capacitySlots < 1) {
            throw new OrchestratorException("cluster capacity must be at least 1 task slot, got " + capacitySlots);
        }
        tenants = Map.copyOf(tenants);
        tenants.forEach((name, policy) -> {
            if (!name.equals(policy.name())) {
                throw new OrchestratorException("tenant policy for '" + policy.name() + "' is filed under '" + name + "'");
            }
        });
    }

    /** {@code capacitySlots} shared by {@code policies}, one per tenant. */
    public static FairShare of(int capacitySlots, Collection<TenantPolicy> policies) {
        Map<String, TenantPolicy> byName = new TreeMap<>();
        for (TenantPolicy policy : policies) {
            if (byName.put(policy.name(), policy) != null) {
                throw new OrchestratorException("tenant " + policy.name() + " has two policies; give it one");
            }
        }
        return new FairShare(capacitySlots, byName);
    }

    /** {@code capacitySlots}, every tenant with the default policy. */
    public static FairShare equal(int capacitySlots) {
        return new FairShare(capacitySlots, Map.of());
    }

    /** The same tenants on a cluster of {@code slots}. */
    public FairShare withCapacity(int slots) {
        return new FairShare(slots, tenants);
    }

    public TenantPolicy policyOf(String tenant) {
        TenantPolicy policy = tenants.get(tenant);
        return policy != null ? policy : TenantPolicy.defaults(tenant);
    }

    /**
     * Null if a request of {@code slots} for {@code tenant} can ever be admitted; otherwise why not
     * (more than the cluster's capacity, or more than the tenant's quota).
     */
    public String whyNever(String tenant, int slots) {
        if (slots > capacitySlots) {
            return "needs " + slots + " task slots, more than the cluster's " + capacitySlots;
        }
        TenantPolicy policy = policyOf(tenant);
        if (!policy.allows(slots)) {
            return "needs " + slots + " task slots, more than tenant " + tenant + "'s quota of " + policy.maxSlots().getAsInt();
        }
        return null;
    }
}
