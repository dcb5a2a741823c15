/**
 * The run queue: runs wait here for cluster task slots, shared between tenants by weight, with
 * per-tenant quotas, priorities within a tenant and deduplication of identical requests.
 *
 * <ul>
 *   <li>{@link io.embedflow.orchestrator.queue.RunRequest}: what a trigger enqueues (spec, tenant,
 *       priority, slots = parallelism, dedupe key, trigger, opaque JSON payload).</li>
 *   <li>{@link io.embedflow.orchestrator.queue.RunQueue}: the persistent queue in the metadata
 *       database ({@code MetadataStore.runQueue}): enqueue with dedupe, transactional admission
 *       passes, leases ({@code heartbeat}, {@code reclaimExpired}), finish and cancel, listings.
 *       States: {@link io.embedflow.orchestrator.queue.QueueState}.</li>
 *   <li>{@link io.embedflow.orchestrator.queue.FairSharePolicy}: the pure admission rule (weighted
 *       fair share, quotas, a reservation against starving large requests), over
 *       {@link io.embedflow.orchestrator.queue.SlotClaim}s.</li>
 *   <li>{@link io.embedflow.orchestrator.queue.FairShare} and
 *       {@link io.embedflow.orchestrator.queue.TenantPolicy}: capacity and tenants' weights and
 *       quotas, passed in by the caller (the daemon's configuration), not stored; a tenant without
 *       a policy gets weight 1 and no quota.</li>
 * </ul>
 *
 * Nothing here runs a job: the daemon ({@link io.embedflow.orchestrator.serve.ServeDaemon},
 * {@code embedflow serve}) takes firings into the queue ({@code enqueueFirings}), admits, starts each
 * admitted run, renews its leases, and finishes requests as their runs end or puts them back for a
 * retry ({@code requeue}, counted per failure class).
 */
package io.embedflow.orchestrator.queue;
