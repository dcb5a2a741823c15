package io.embedflow.flink.gpu;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *   <li>Thread-safe. {@link #JVM} is one per class loader that loads this class: per job and task
 *       manager for classes in a job jar. So that several jobs on one task manager (a session cluster)
 *       do not pick the same GPU, a registry with a lock directory also holds an OS file lock per index
 *       it hands out ({@code <lock dir>/<task manager>/index-<i>.lock}): the JVM's file locks are shared
 *       by all its class loaders (a lock held by another job's registry makes {@code tryLock} throw
 *       {@link OverlappingFileLockException}) and the OS frees them when the process dies. An index is
 *       then the lowest one free in this registry and unlocked, and it stays below the number of GPU slots
 *       live on the task manager across all jobs. Without a usable lock directory the registry works
 *       alone, as before, with a warning.
 * </ul>
 * A lease is never leaked by a subtask that dies: Flink calls {@code close()} on failure as well,
 * and a task that does not finish cancelling in time brings its task manager (and this registry)
 * down.
 */
final class LocalIndexRegistry {
    static final LocalIndexRegistry JVM = new LocalIndexRegistry(
            Path.of(System.getProperty("java.io.tmpdir"), "embedflow-gpu-index"));

    private static final Logger LOG = LoggerFactory.getLogger(LocalIndexRegistry.class);
    /** More indexes than any task manager has GPU slots: past it something is wrong, not busy. */
    private static final int MAX_INDEX = 4096;

    private final Path lockRoot;
    private final Map<String, Map<String, Holders>> byScope = new HashMap<>();
    private boolean lockingFailed;

    private static final class Holders {
        final int index;
        final FileChannel lock;
        int count;

        Holders(int index, FileChannel lock) {
            this.index = index;
            this.lock = lock;
        }
    }

    /** A registry that answers for this class loader alone (tests). */
    LocalIndexRegistry() {
        this(null);
    }

    /** A registry that also excludes the indexes other class loaders and processes locked under {@code lockRoot}. */
    LocalIndexRegistry(Path lockRoot) {
        this.lockRoot = lockRoot;
    }

    synchronized int acquire(String scope, String slot) {
        Map<String, Holders> slots = byScope.computeIfAbsent(scope, s -> new HashMap<>());
        Holders holders = slots.get(slot);
        if (holders == null) {
            holders = lowestFree(scope, slots);
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
            unlock(holders);
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

    /** The lowest index no slot of this registry holds and, with a lock directory, no other registry has locked. */
    private Holders lowestFree(String scope, Map<String, Holders> slots) {
        boolean[] taken = new boolean[MAX_INDEX];
        for (Holders h : slots.values()) {
            taken[h.index] = true;
        }
        for (int i = 0; i < MAX_INDEX; i++) {
            if (taken[i]) {
                continue;
            }
            if (lockRoot == null || lockingFailed) {
                return new Holders(i, null);
            }
            FileChannel lock = tryLock(scope, i);
            if (lock != null) {
                return new Holders(i, lock);
            }
            if (lockingFailed) {
                return new Holders(i, null);
            }
        }
        throw new IllegalStateException("no free local index on " + scope + " below " + MAX_INDEX);
    }

    /** The open channel holding index {@code i}'s lock, or null when another registry or process holds it. */
    private FileChannel tryLock(String scope, int i) {
        Path file = lockRoot.resolve(scope.replaceAll("[^A-Za-z0-9._-]", "_")).resolve("index-" + i + ".lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return channel;
            }
        } catch (OverlappingFileLockException e) {
            // held by another class loader's registry in this JVM: another job's slot has this index
        } catch (IOException e) {
            lockingFailed = true;
            LOG.warn("cannot lock GPU indexes under {} ({}): jobs sharing this task manager may pick the same GPU",
                    lockRoot, e.toString());
        }
        closeQuietly(channel);
        return null;
    }

    private static void unlock(Holders holders) {
        closeQuietly(holders.lock);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();   // releases the lock
            } catch (IOException e) {
                LOG.debug("closing a GPU index lock: {}", e.toString());
            }
        }
    }
}
