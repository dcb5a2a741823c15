package io.embedflow.flink.gpu;

import java.util.HashMap;
import java.util.Map;

/**
 * Hands each slot that holds a GPU subtask a small index, unique on its task manager: the
 * lowest one not held by another live slot. Flink does not tell an operator which slot of the task
 * manager it runs in, so this is how subtasks on one task manager pick different GPUs.
 *
 * <p>Contract:
 * <ul>
 *   <li>Keys are the slot's allocation id ({@code TaskInfo#getAllocationIDAsString}) within a scope
 *       (the task manager's id). Subtasks that share a slot (slot sharing) share its index and so its
 *       GPU, which is what the slot's GPU request paid for; subtasks of one operator never share a
 *       slot, so they never share an index.
 *   <li>{@link #acquire} for a key that is held returns the same index and counts one more holder;
 *       each {@code acquire} is matched by one {@link #release}. The index is freed with the last
 *       holder, so a restarted subtask in the same slot gets its old index back.
 *   <li>A new slot gets an index below the number of slots then holding one (itself included):
 *       as long as Flink places at most as many GPU slots on a task manager as it has GPUs (which
 *       the slots' GPU requests ensure), every index names a GPU of its own.
 *   <li>Thread-safe. {@link #JVM} is one per class loader that loads this class: per task manager
 *       process for classes on Flink's classpath, per job and task manager for classes in a job jar
 *       (see docs/gpu.md, "several GPU jobs on one task manager").
 * </ul>
 * A lease is never leaked by a subtask that dies: Flink calls {@code close()} on failure as well,
 * and a task that does not finish cancelling in time brings its task manager (and this registry)
 * down.
 */
final class LocalIndexRegistry {
    static final LocalIndexRegistry JVM = new LocalIndexRegistry();

    private final Map<String, Map<String, Holders>> byScope = new HashMap<>();

    private static final class Holders {
        final int index;
        int count;

        Holders(int index) {
            this.index = index;
        }
    }

    synchronized int acquire(String scope, String slot) {
        Map<String, Holders> slots = byScope.computeIfAbsent(scope, s -> new HashMap<>());
        Holders holders = slots.get(slot);
        if (holders == null) {
            holders = new Holders(lowestFree(slots));
            slots.put(slot, holders);
        }
        holders.count++;
        return holders.index;
    }

    synchronized void release(String scope, String slot) {
        Map<String, Holders> slots = byScope.get(scope);
        Holders holders = slots == null ? null : slots.get(slot);
        if (holders == null) {
            throw new IllegalStateException("slot " + slot + " of " + scope + " holds no local index");
        }
        if (--holders.count == 0) {
            slots.remove(slot);
            if (slots.isEmpty()) {
                byScope.remove(scope);
            }
        }
    }

    /** How many slots of {@code scope} hold an index. */
    synchronized int held(String scope) {
        Map<String, Holders> slots = byScope.get(scope);
        return slots == null ? 0 : slots.size();
    }

    private static int lowestFree(Map<String, Holders> slots) {
        boolean[] taken = new boolean[slots.size() + 1];
        for (Holders h : slots.values()) {
            if (h.index < taken.length) {
                taken[h.index] = true;
            }
        }
        int i = 0;
        while (taken[i]) {
            i++;
        }
        return i;
    }
}
