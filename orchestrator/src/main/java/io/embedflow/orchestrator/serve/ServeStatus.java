package io.embedflow.orchestrator.serve;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /api/queue} shows: the daemon, whether it leads, the capacity it admits against,
 * each tenant's requests, and the runs it follows.
 *
 * @param leader whether this daemon schedules now: always for a single daemon; with several replicas,
 *     only the one holding the leadership
 * @param at when it was taken (ISO-8601, as every time here)
 * @param capacitySlots the task slots of the last pass; null before the first successful read
 * @param tenants by tenant name: every tenant with a policy or a request
 */
public record ServeStatus(String owner, boolean leader, String at, Integer capacitySlots, Map<String, Tenant> tenants, List<Run> running) {

    /**
     * @param maxSlots the tenant's quota; null for none
     * @param queued requests waiting, including those backing off
     * @param backingOff queued requests waiting out a retry backoff
     * @param admitted requests holding slots (by any daemon)
     * @param admittedSlots the slots they hold
     */
    public record Tenant(int weight, Integer maxSlots, int queued, int backingOff, int admitted, int admittedSlots) {
    }

    /** A run this daemon follows. */
    public record Run(long request, String run, String spec, String tenant, int slots, String startedAt, String stopping) {
    }
}
