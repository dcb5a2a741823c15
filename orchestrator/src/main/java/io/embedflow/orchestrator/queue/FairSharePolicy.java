package io.embedflow.orchestrator.queue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Chooses which queued requests to admit, given the cluster's capacity, the tenants' policies,
 * what is admitted already and the previous pass's reservation. Pure: no clock, no I/O, no
 * randomness; equal inputs give equal plans (the order of the input collections does not matter).
 *
 * <h2>The rule</h2>
 * Each tenant's queued requests form one line, highest priority first, then oldest (lowest id)
 * first. A pass repeatedly picks, among the tenants whose line is not empty and whose quota
 * allows its head, the <em>most underserved</em> tenant, and admits its head if it fits in the
 * free slots (its slots then count as held); if it does not fit, the pass stops there. The most
 * underserved tenant is the one with the lowest {@code (held + head / 2) / weight}, the share it
 * would have halfway through taking its head; ties go to the older head, then to the tenant name.
 * Before all that comes the reserved tenant while it holds no slots (below).
 * <ul>
 *   <li><b>Weighted fair share.</b> Every freed slot goes to the tenant furthest below its weighted
 *       share, so under contention held slots tend to {@code weight / Σ weights} of the tenants that
 *       have work (2:1 weights give a 2:1 split). Counting half the head rounds to the nearest
 *       split: counting slots held before admission would let a light tenant overshoot its small
 *       share by a whole request each time (2:1 weights came out near 1.6:1 with 1 to 3 slot runs
 *       on 12 slots), and counting them after would favour small requests.</li>
 *   <li><b>Work-conserving.</b> Tenants without queued work take no part, so a tenant alone may hold
 *       every slot, up to its quota.</li>
 *   <li><b>Quotas.</b> A tenant whose head would take it over its quota sits the pass out; it does
 *       not block anyone, since only its own runs finishing can let it go on.</li>
 *   <li><b>No head-of-line starvation of large requests (reservation).</b> When the chosen head
 *       does not fit, nobody else is admitted in its place, and the plan names it in
 *       {@link AdmissionPlan#reservedFor()}. The caller hands that to the next pass, where its
 *       tenant goes first as long as it holds no slots. Why it is needed: smaller requests would
 *       otherwise take every slot as it frees, and a large head, weighed by half its size, may never
 *       look the most underserved while others hold a little. Why it ends: while the head waits
 *       its tenant admits nothing, so its held slots fall to zero; from then on, once it is the
 *       reservation it goes first in every pass and stays the reservation until enough running
 *       work has finished for it to fit. Only a tenant holding nothing jumps ahead, so a stale
 *       reservation never lets an over-served tenant do so. The price is idle slots while the
 *       reservation fills; there is no backfilling, since run lengths are unknown.</li>
 *   <li><b>Never-admissible requests</b> (more slots than the cluster or their tenant's quota) are
 *       reported in {@link AdmissionPlan#unsatisfiable()} and skipped, so they block no one.
 *       {@link RunQueue#enqueue} refuses them in the first place; they appear here only when the
 *       capacity or a quota shrank after they were queued.</li>
 * </ul>
 * Cost: O(n log n) for n queued requests, plus O(tenants) per admitted request.
 */
public final class FairSharePolicy {

    /** Within a tenant: higher priority first, then FIFO. */
    public static final Comparator<SlotClaim> TENANT_ORDER =
            Comparator.comparingInt(SlotClaim::priority).reversed().thenComparingLong(SlotClaim::id);

    private FairSharePolicy() {
    }

    /** {@link #plan(FairShare, Collection, Collection, OptionalLong)} with no reservation from a previous pass. */
    public static AdmissionPlan plan(FairShare share, Collection<SlotClaim> queued, Collection<SlotClaim> admitted) {
        return plan(share, queued, admitted, OptionalLong.empty());
    }

    /**
     * The plan for one pass.
     *
     * @param queued requests waiting, in any order
     * @param admitted requests holding slots now, in any order; they may exceed the capacity (it shrank)
     * @param reserved the id in the previous pass's {@link AdmissionPlan#reservedFor()}, if any
     */
    public static AdmissionPlan plan(FairShare share, Collection<SlotClaim> queued, Collection<SlotClaim> admitted,
            OptionalLong reserved) {
        Map<String, Tenant> tenants = new TreeMap<>();
        long used = 0;
        for (SlotClaim claim : admitted) {
            tenant(tenants, share, claim.tenant()).held += claim.slots();
            used += claim.slots();
        }
        List<SlotClaim> unsatisfiable = new ArrayList<>();
        List<SlotClaim> lines = new ArrayList<>(queued);
        lines.sort(TENANT_ORDER);
        Tenant reservedTenant = null;
        for (SlotClaim claim : lines) {
            if (share.whyNever(claim.tenant(), claim.slots()) != null) {
                unsatisfiable.add(claim);
                continue;
            }
            Tenant tenant = tenant(tenants, share, claim.tenant());
            tenant.line.add(claim);
            if (reserved.isPresent() && reserved.getAsLong() == claim.id()) {
                reservedTenant = tenant;
            }
        }

        long free = Math.max(0, share.capacitySlots() - used);
        List<SlotClaim> admit = new ArrayList<>();
        Optional<SlotClaim> reservation = Optional.empty();
        while (true) {
            Tenant next = reservedTenant != null && reservedTenant.held == 0 && reservedTenant.canAdvance()
                    ? reservedTenant : mostUnderserved(tenants.values());
            if (next == null) {
                break;
            }
            SlotClaim head = next.line.peek();
            if (head.slots() > free) {
                reservation = Optional.of(head);
                break;
            }
            next.line.poll();
            next.held += head.slots();
            free -= head.slots();
            admit.add(head);
        }
        return new AdmissionPlan(admit, reservation, unsatisfiable);
    }

    /** The tenant to serve next, or null if no tenant has a request it may run. */
    private static Tenant mostUnderserved(Collection<Tenant> tenants) {
        Tenant next = null;
        for (Tenant t : tenants) {
            if (t.canAdvance() && (next == null || t.isBefore(next))) {
                next = t;
            }
        }
        return next;
    }

    private static Tenant tenant(Map<String, Tenant> tenants, FairShare share, String name) {
        return tenants.computeIfAbsent(name, n -> new Tenant(share.policyOf(n)));
    }

    /** One tenant during a pass: its policy, the slots it holds, its line. */
    private static final class Tenant {
        final TenantPolicy policy;
        final ArrayDeque<SlotClaim> line = new ArrayDeque<>();
        long held;

        Tenant(TenantPolicy policy) {
            this.policy = policy;
        }

        boolean canAdvance() {
            return !line.isEmpty() && policy.allows(held + line.peek().slots());
        }

        /** Twice the share halfway through taking the head, over the weight: an integer, so exact. */
        private long doubledMidpoint() {
            return 2 * held + line.peek().slots();
        }

        /** More underserved than {@code other}: lower midpoint share (compared exactly), then older head, then name. */
        boolean isBefore(Tenant other) {
            int byShare = Long.compare(doubledMidpoint() * other.policy.weight(), other.doubledMidpoint() * policy.weight());
            if (byShare != 0) {
                return byShare < 0;
            }
            int byAge = Long.compare(line.peek().id(), other.line.peek().id());
            if (byAge != 0) {
                return byAge < 0;
            }
            return policy.name().compareTo(other.policy.name()) < 0;
        }
    }
}
