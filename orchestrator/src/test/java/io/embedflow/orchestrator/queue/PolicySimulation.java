package io.embedflow.orchestrator.queue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Runs {@link FairSharePolicy} against simulated time: requests arrive, each admitted run holds
 * its slots for its duration, and a pass runs at every arrival and every finish. Records when each
 * request was admitted and, per tenant, the slot-time held while every given tenant had work
 * queued (the contended stretch, where the weights should show).
 */
final class PolicySimulation {

    /** A request that arrives at {@code arrival} and runs for {@code duration} once admitted. */
    record Job(SlotClaim claim, long arrival, long duration) {
    }

    private record Running(SlotClaim claim, long end) {
    }

    private final FairShare share;
    private final List<String> contenders;
    private final Map<Long, Long> admittedAt = new HashMap<>();
    private final Map<String, Long> contendedSlotTime = new TreeMap<>();
    private final Map<String, Integer> maxHeld = new TreeMap<>();

    /** {@code contenders}: the tenants whose simultaneous backlog defines the contended stretch. */
    PolicySimulation(FairShare share, List<String> contenders) {
        this.share = share;
        this.contenders = List.copyOf(contenders);
    }

    PolicySimulation run(List<Job> jobs) {
        List<Job> pending = new ArrayList<>(jobs);
        pending.sort(Comparator.comparingLong(Job::arrival));
        Map<Long, Job> byId = new HashMap<>();
        jobs.forEach(j -> byId.put(j.claim().id(), j));
        List<SlotClaim> queued = new ArrayList<>();
        List<Running> running = new ArrayList<>();
        long now = pending.isEmpty() ? 0 : pending.get(0).arrival();
        OptionalLong reserved = OptionalLong.empty();
        while (true) {
            final long t = now;
            running.removeIf(r -> r.end() <= t);
            if (pending.isEmpty() && queued.isEmpty() && running.isEmpty()) {
                return this;
            }
            while (!pending.isEmpty() && pending.get(0).arrival() <= t) {
                queued.add(pending.remove(0).claim());
            }
            AdmissionPlan plan = FairSharePolicy.plan(share, queued, running.stream().map(Running::claim).toList(), reserved);
            reserved = plan.reservedFor().map(c -> OptionalLong.of(c.id())).orElse(OptionalLong.empty());
            for (SlotClaim c : plan.admit()) {
                queued.remove(c);
                running.add(new Running(c, t + byId.get(c.id()).duration()));
                admittedAt.put(c.id(), t);
            }
            Map<String, Integer> held = new HashMap<>();
            running.forEach(r -> held.merge(r.claim().tenant(), r.claim().slots(), Integer::sum));
            held.forEach((tenant, slots) -> maxHeld.merge(tenant, slots, Math::max));
            long next = Long.MAX_VALUE;
            for (Running r : running) {
                next = Math.min(next, r.end());
            }
            if (!pending.isEmpty()) {
                next = Math.min(next, pending.get(0).arrival());
            }
            if (next == Long.MAX_VALUE) {
                throw new AssertionError("stuck at t=" + t + " with queued " + queued);
            }
            boolean contended = contenders.stream().allMatch(tenant -> queued.stream().anyMatch(c -> c.tenant().equals(tenant)));
            if (contended) {
                long span = next - t;
                held.forEach((tenant, slots) -> contendedSlotTime.merge(tenant, slots * span, Long::sum));
            }
            now = next;
        }
    }

    long admittedAt(long id) {
        Long t = admittedAt.get(id);
        if (t == null) {
            throw new AssertionError("request " + id + " was never admitted");
        }
        return t;
    }

    long contendedSlotTime(String tenant) {
        return contendedSlotTime.getOrDefault(tenant, 0L);
    }

    int maxHeld(String tenant) {
        return maxHeld.getOrDefault(tenant, 0);
    }
}
