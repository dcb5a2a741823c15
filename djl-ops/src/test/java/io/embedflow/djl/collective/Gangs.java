package io.embedflow.djl.collective;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** In-process gangs on loopback for tests: one thread per member, the coordinator on a free port. */
final class Gangs {
    private Gangs() {}

    /** Joins {@code n} members of gang {@code id} concurrently; returns them by rank. */
    static List<Collective> join(int n, String id, CollectiveOptions options) {
        GangMember rank0 = GangMember.of(0, n, "127.0.0.1:0", id);
        try (GangCoordinator coordinator = GangCoordinator.start(rank0, options)) {
            GangMember base = rank0.withCoordinator(coordinator.address());
            return onRanks(n, rank -> rank == 0 ? RingAllReduce.join(base, options, coordinator)
                    : RingAllReduce.join(base.withRank(rank), options));
        }
    }

    /** Runs {@code task} for each rank on its own thread; returns the results by rank or throws the first failure. */
    static <T> List<T> onRanks(int n, Function<Integer, T> task) {
        List<Outcome<T>> outcomes = tryOnRanks(n, task);
        List<T> results = new ArrayList<>();
        for (Outcome<T> outcome : outcomes) {
            if (outcome.failure() != null) {
                throw new AssertionError("rank " + results.size() + " failed", outcome.failure());
            }
            results.add(outcome.value());
        }
        return results;
    }

    /** A rank's result or failure. */
    record Outcome<T>(T value, Throwable failure) {}

    /** Runs {@code task} for each rank on its own thread and waits for all; returns each rank's outcome. */
    static <T> List<Outcome<T>> tryOnRanks(int n, Function<Integer, T> task) {
        return tryOnRanks(n, task, () -> { });
    }

    /** As {@link #tryOnRanks(int, Function)}, with {@code alongside} on one more thread; its failure is thrown. */
    static <T> List<Outcome<T>> tryOnRanks(int n, Function<Integer, T> task, Runnable alongside) {
        ExecutorService pool = Executors.newFixedThreadPool(n + 1);
        try {
            Future<?> other = pool.submit(alongside);
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> task.apply(rank)));
            }
            List<Outcome<T>> outcomes = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    outcomes.add(new Outcome<>(f.get(), null));
                } catch (ExecutionException e) {
                    outcomes.add(new Outcome<>(null, e.getCause()));
                }
            }
            try {
                other.get();
            } catch (ExecutionException e) {
                throw new AssertionError("the task alongside the ranks failed", e.getCause());
            }
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    static void closeAll(List<Collective> gang) {
        gang.forEach(Collective::close);
    }
}
