package io.embedflow.orchestrator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.metadata.MetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The run queue under concurrent writers, each with a connection (a {@link MetadataStore}) of its
 * own, as separate daemons would have: part of {@link RunQueueContract}.
 */
interface RunQueueRaces {

    Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    Duration LEASE = Duration.ofMinutes(2);
    int WRITERS = 4;

    /** The database under test. */
    String url();

    @Test
    default void writersEnqueueingTheSameKeysAtOnceStoreEachKeyOnce() throws Exception {
        int keys = 15;
        List<List<Enqueued>> results = inParallel(writer -> {
            List<String> order = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                order.add("key-" + k);
            }
            Collections.shuffle(order, new Random(writer));
            List<Enqueued> mine = new ArrayList<>();
            try (MetadataStore store = MetadataStore.open(url())) {
                RunQueue queue = store.runQueue(FairShare.equal(4), LEASE);
                for (String key : order) {
                    mine.add(queue.enqueue(RunQueueContract.request("t" + writer, 1, key)));
                }
            }
            return mine;
        });

        try (MetadataStore store = MetadataStore.open(url())) {
            List<QueuedRun> queued = store.runQueue(FairShare.equal(4), LEASE).list(QueueState.QUEUED);
            assertThat(queued).hasSize(keys);
            assertThat(results.stream().flatMap(List::stream).filter(Enqueued::created)).hasSize(keys);
            for (List<Enqueued> mine : results) {
                assertThat(mine).extracting(e -> e.run().id()).containsExactlyInAnyOrderElementsOf(
                        queued.stream().map(QueuedRun::id).toList());
            }
        }
    }

    @Test
    default void daemonsAdmittingAtOnceNeverShareARequestOrOverfillTheCluster() throws Exception {
        FairShare share = FairShare.of(5, List.of(TenantPolicy.of("t0", 3)));
        try (MetadataStore store = MetadataStore.open(url())) {
            RunQueue queue = store.runQueue(share, LEASE);
            for (int i = 0; i < 60; i++) {
                queue.enqueue(RunQueueContract.request("t" + i % 3, 1 + i % 2, "k" + i));
            }
        }

        List<List<Long>> admittedBy = inParallel(writer -> {
            List<Long> mine = new ArrayList<>();
            ArrayDeque<Long> running = new ArrayDeque<>();
            try (MetadataStore store = MetadataStore.open(url())) {
                RunQueue queue = store.runQueue(share, LEASE);
                for (int pass = 0; pass < 25; pass++) {
                    for (QueuedRun run : queue.admit("serve-" + writer, T0)) {
                        mine.add(run.id());
                        running.add(run.id());
                    }
                    int held = queue.list(QueueState.ADMITTED).stream().mapToInt(QueuedRun::slots).sum();
                    assertThat(held).as("slots held after a pass").isLessThanOrEqualTo(share.capacitySlots());
                    if (!running.isEmpty() && pass % 2 == 1) {
                        queue.finish(running.poll(), true, null, T0);
                    }
                }
            }
            return mine;
        });

        Set<Long> seen = new HashSet<>();
        admittedBy.forEach(mine -> mine.forEach(id -> assertThat(seen.add(id)).as("request %d admitted twice", id).isTrue()));
        assertThat(seen).hasSizeGreaterThan(WRITERS);
        try (MetadataStore store = MetadataStore.open(url())) {
            RunQueue queue = store.runQueue(share, LEASE);
            assertThat(queue.list(QueueState.ADMITTED)).allSatisfy(run -> assertThat(run.attempts()).isEqualTo(1));
        }
    }

    /** Runs {@code work} for writers 0 .. {@link #WRITERS} - 1 at once; returns their results in writer order. */
    private <T> List<T> inParallel(IndexedWork<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                futures.add(pool.submit((Callable<T>) () -> work.run(writer)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    interface IndexedWork<T> {
        T run(int writer) throws Exception;
    }
}
