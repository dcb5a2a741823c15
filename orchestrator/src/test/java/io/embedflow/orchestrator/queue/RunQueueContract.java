package io.embedflow.orchestrator.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.metadata.StoredSpec;
import io.embedflow.orchestrator.metadata.TriggerLogEntry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the run queue must do on every database behind {@link MetadataStore}. Subclasses supply a
 * fresh, empty database per test. Races between processes are in {@link RunQueueRaceContract}.
 */
abstract class RunQueueContract implements RunQueueRaces {

    static final FairShare SHARE = FairShare.of(3, List.of(TenantPolicy.of("a", 2), TenantPolicy.of("b", 1)));

    @Override
    public String url() {
        return url;
    }

    protected String url;
    protected MetadataStore store;
    protected RunQueue queue;
    private final AtomicInteger specs = new AtomicInteger();

    /** The URL of a new, empty database. */
    abstract String newDatabaseUrl() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        url = newDatabaseUrl();
        store = MetadataStore.open(url);
        queue = store.runQueue(SHARE, LEASE);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** A one-slot request of {@code tenant} with a key of its own. */
    RunRequest request(String tenant) {
        return request(tenant, 1, "key-" + specs.incrementAndGet());
    }

    static RunRequest request(String tenant, int slots, String dedupeKey) {
        return RunRequest.builder().setSpec("spec-" + dedupeKey).setTenant(tenant).setSlots(slots).setDedupeKey(dedupeKey)
                .setTrigger(new RunTrigger(RunTrigger.Kind.NEW_DATA, "snapshot d-1")).setPayloadJson("{\"spec\":\"s\"}")
                .setEnqueuedAt(T0).build();
    }

    // ---- enqueue and dedupe ----

    @Test
    void enqueueStoresTheRequestAsQueuedWithIncreasingIds() {
        RunRequest first = request("a").toBuilder().optPriority(7).build();

        QueuedRun one = queue.enqueue(first).run();
        QueuedRun two = queue.enqueue(request("b")).run();

        assertThat(two.id()).isGreaterThan(one.id());
        assertThat(queue.find(one.id())).contains(new QueuedRun(one.id(), first, QueueState.QUEUED, 0, null, null, null, null,
                null));
    }

    @Test
    void theSameKeyWhileQueuedOrAdmittedReturnsTheExistingRequest() {
        Enqueued first = queue.enqueue(request("a", 1, "docs:m1:d1:c1"));
        Enqueued again = queue.enqueue(request("a", 1, "docs:m1:d1:c1").toBuilder().setEnqueuedAt(T0.plusSeconds(60)).build());
        queue.admit("serve-1", T0);
        Enqueued whileAdmitted = queue.enqueue(request("b", 2, "docs:m1:d1:c1"));

        assertThat(first.created()).isTrue();
        assertThat(again.created()).isFalse();
        assertThat(again.run()).isEqualTo(first.run());
        assertThat(whileAdmitted.created()).isFalse();
        assertThat(whileAdmitted.run().state()).isEqualTo(QueueState.ADMITTED);
        assertThat(queue.list(QueueState.QUEUED)).isEmpty();
        assertThat(queue.list(QueueState.ADMITTED)).extracting(QueuedRun::id).containsExactly(first.run().id());
    }

    @Test
    void onceFinishedOrCancelledTheSameKeyMayBeQueuedAgain() {
        QueuedRun first = queue.enqueue(request("a", 1, "k")).run();
        queue.admit("serve-1", T0);
        queue.finish(first.id(), true, "r-1", T0.plusSeconds(5));
        QueuedRun second = queue.enqueue(request("a", 1, "k")).run();
        queue.cancel(second.id(), T0.plusSeconds(6));

        Enqueued third = queue.enqueue(request("a", 1, "k"));

        assertThat(third.created()).isTrue();
        assertThat(List.of(first.id(), second.id(), third.run().id())).doesNotHaveDuplicates();
    }

    @Test
    void aBatchIsDedupedWithinItselfToo() {
        List<Enqueued> batch = queue.enqueueAll(List.of(request("a", 1, "x"), request("b", 1, "y"), request("a", 1, "x")));

        assertThat(batch).extracting(Enqueued::created).containsExactly(true, true, false);
        assertThat(batch.get(2).run().id()).isEqualTo(batch.get(0).run().id());
    }

    @Test
    void aRequestThatCouldNeverRunIsRefusedAtEnqueueAndNothingIsStored() {
        RunQueue withQuota = store.runQueue(FairShare.of(8, List.of(TenantPolicy.of("a", 1).withMaxSlots(2))), LEASE);

        assertThatThrownBy(() -> queue.enqueue(request("b", 4, "big")))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("cannot queue run request for spec spec-big of tenant b: it needs 4 task slots, "
                        + "more than the cluster's 3");
        assertThatThrownBy(() -> withQuota.enqueue(request("a", 3, "over-quota")))
                .hasMessageContaining("needs 3 task slots, more than tenant a's quota of 2");
        assertThatThrownBy(() -> queue.enqueueAll(List.of(request("a"), request("a").toBuilder().setPayloadJson("{oops").build())))
                .hasMessageContaining("the payload of run request for spec").hasMessageContaining("is not valid JSON");
        assertThat(queue.list(QueueState.QUEUED)).isEmpty();
    }

    // ---- admission ----

    @Test
    void admitFollowsTheFairShareAndLeasesToTheOwner() {
        for (int i = 0; i < 10; i++) {
            queue.enqueue(request("a"));
            queue.enqueue(request("b"));
        }

        List<QueuedRun> admitted = queue.admit("serve-1", T0);

        assertThat(admitted).extracting(QueuedRun::tenant).containsExactlyInAnyOrder("a", "a", "b");
        assertThat(admitted).allSatisfy(run -> {
            assertThat(run.state()).isEqualTo(QueueState.ADMITTED);
            assertThat(run.attempts()).isEqualTo(1);
            assertThat(run.admittedAt()).isEqualTo(T0);
            assertThat(run.leaseOwner()).isEqualTo("serve-1");
            assertThat(run.leaseExpiresAt()).isEqualTo(T0.plus(LEASE));
        });
        assertThat(queue.admit("serve-1", T0.plusSeconds(1))).as("the cluster is full").isEmpty();
        assertThat(queue.list(QueueState.ADMITTED, "a")).hasSize(2);
        assertThat(queue.list(QueueState.QUEUED, "b")).hasSize(9);
    }

    @Test
    void finishingFreesSlotsForTheNextPass() {
        for (int i = 0; i < 4; i++) {
            queue.enqueue(request("a"));
        }
        List<QueuedRun> first = queue.admit("serve-1", T0);

        QueuedRun done = queue.finish(first.get(0).id(), false, "r-9", T0.plusSeconds(30));
        List<QueuedRun> next = queue.admit("serve-1", T0.plusSeconds(31));

        assertThat(done.state()).isEqualTo(QueueState.FAILED);
        assertThat(done.leaseOwner()).isNull();
        assertThat(queue.find(done.id())).contains(done);
        assertThat(next).hasSize(1);
        assertThatThrownBy(() -> queue.finish(done.id(), true, null, T0.plusSeconds(40)))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("cannot finish run request " + done.id() + ": it is already FAILED since " + T0.plusSeconds(30));
    }

    @Test
    void cancellingAnAdmittedRequestFreesItsSlotsAndACancelledOneStaysCancelled() {
        QueuedRun big = queue.enqueue(request("a", 3, "big")).run();
        QueuedRun small = queue.enqueue(request("a")).run();
        assertThat(queue.admit("serve-1", T0)).extracting(QueuedRun::id).containsExactly(big.id());

        assertThat(queue.cancel(big.id(), T0.plusSeconds(1))).isTrue();
        assertThat(queue.cancel(big.id(), T0.plusSeconds(2))).isFalse();
        assertThat(queue.admit("serve-1", T0.plusSeconds(3))).extracting(QueuedRun::id).containsExactly(small.id());
        assertThat(queue.find(big.id()).orElseThrow().state()).isEqualTo(QueueState.CANCELLED);
        assertThatThrownBy(() -> queue.cancel(9999, T0)).hasMessageContaining("no run request 9999");
    }

    @Test
    void theReservationForALargeRequestHoldsAcrossPasses() {
        List<Long> smalls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            smalls.add(queue.enqueue(request("b")).run().id());
        }
        queue.admit("serve-1", T0);
        QueuedRun big = queue.enqueue(request("a", 3, "whole-cluster")).run();
        queue.enqueue(request("b"));
        assertThat(queue.admit("serve-1", T0.plusSeconds(1))).isEmpty();
        assertThat(queue.reservation()).hasValue(big.id());

        // b's runs finish one by one: the freed slots wait for a's request, whatever b queues
        for (long id : smalls) {
            queue.finish(id, true, null, T0.plusSeconds(2));
            queue.enqueue(request("b"));
            List<QueuedRun> admitted = queue.admit("serve-1", T0.plusSeconds(3));
            assertThat(admitted).extracting(QueuedRun::id).isSubsetOf(big.id());
        }
        assertThat(queue.find(big.id()).orElseThrow().state()).isEqualTo(QueueState.ADMITTED);
    }

    @Test
    void anAdmissionPassIsOneTransaction() throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(queue.enqueue(request("a")).run().id());
        }
        // a row the pass admits but cannot read back makes it fail after its updates
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("UPDATE run_queue SET trigger_kind = 'COMET' WHERE id = " + ids.get(2));
        }

        assertThatThrownBy(() -> queue.admit("serve-1", T0)).isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("queued run request " + ids.get(2)).hasMessageContaining("cannot be read");

        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("UPDATE run_queue SET trigger_kind = 'MANUAL' WHERE id = " + ids.get(2));
        }
        assertThat(queue.list(QueueState.QUEUED)).extracting(QueuedRun::attempts).containsExactly(0, 0, 0);
        assertThat(queue.admit("serve-1", T0)).hasSize(3);
    }

    // ---- leases ----

    @Test
    void heartbeatRenewsOnlyTheOwnersLeasesAndSaysWhichItStillHolds() {
        for (int i = 0; i < 3; i++) {
            queue.enqueue(request("a"));
        }
        List<QueuedRun> mine = queue.admit("serve-1", T0);
        queue.cancel(mine.get(0).id(), T0.plusSeconds(5));
        queue.enqueue(request("b"));
        List<QueuedRun> theirs = queue.admit("serve-2", T0.plusSeconds(10));

        assertThat(queue.heartbeat("serve-1", T0.plusSeconds(60))).containsExactly(mine.get(1).id(), mine.get(2).id());
        assertThat(queue.list(QueueState.ADMITTED)).extracting(QueuedRun::id, QueuedRun::leaseExpiresAt).containsExactly(
                tuple(mine.get(1).id(), T0.plusSeconds(60).plus(LEASE)),
                tuple(mine.get(2).id(), T0.plusSeconds(60).plus(LEASE)),
                tuple(theirs.get(0).id(), T0.plusSeconds(10).plus(LEASE)));
    }

    @Test
    void expiredLeasesAreReclaimedKeepingTheRunAndCountingAttempts() {
        QueuedRun lost = queue.enqueue(request("a")).run();
        QueuedRun kept = queue.enqueue(request("b")).run();
        queue.admit("crashed", T0);
        queue.attachRun(lost.id(), "r-lost");
        queue.heartbeat("crashed", T0.plusSeconds(30));
        queue.cancel(kept.id(), T0.plusSeconds(31));

        assertThat(queue.reclaimExpired(T0.plusSeconds(30).plus(LEASE))).as("not yet: the lease ends then").isEmpty();
        List<QueuedRun> reclaimed = queue.reclaimExpired(T0.plusSeconds(31).plus(LEASE));

        assertThat(reclaimed).extracting(QueuedRun::id).containsExactly(lost.id());
        QueuedRun back = reclaimed.get(0);
        assertThat(back.state()).isEqualTo(QueueState.QUEUED);
        assertThat(back.runId()).isEqualTo("r-lost");
        assertThat(back.leaseOwner()).isNull();
        assertThat(queue.heartbeat("crashed", T0.plusSeconds(200))).isEmpty();
        List<QueuedRun> again = queue.admit("serve-2", T0.plusSeconds(200));
        assertThat(again).extracting(QueuedRun::id, QueuedRun::attempts, QueuedRun::leaseOwner)
                .containsExactly(tuple(lost.id(), 2, "serve-2"));
        assertThat(queue.finish(lost.id(), true, null, T0.plusSeconds(300)).runId()).isEqualTo("r-lost");
    }

    // ---- listings and persistence ----

    // ---- firings, retries, a restarted owner ----

    @Test
    void aFiringIsTakenInTheTransactionThatQueuesItsRequestAndOnlyOnce() {
        store.specs().insert(new StoredSpec("docs", "a", "name: docs\n", false, T0, T0), SpecState.initial("docs"));
        long first = store.specs().log("docs", new TriggerLogEntry.New("CRON", "due", T0)).seq();
        long second = store.specs().log("docs", new TriggerLogEntry.New("NEW_DATA", "changed", T0)).seq();

        Optional<Enqueued> taken = queue.enqueueFiring(first, request("a", 1, "docs:m:d:c"), T0.plusSeconds(1));
        Optional<Enqueued> again = queue.enqueueFiring(first, request("a", 1, "docs:m:d:other"), T0.plusSeconds(2));
        Optional<Enqueued> folded = queue.enqueueFiring(second, request("a", 1, "docs:m:d:c"), T0.plusSeconds(3));

        assertThat(taken).hasValueSatisfying(e -> assertThat(e.created()).isTrue());
        assertThat(again).as("taken already: nothing queued").isEmpty();
        assertThat(folded).hasValueSatisfying(e -> {
            assertThat(e.created()).isFalse();
            assertThat(e.run().id()).isEqualTo(taken.get().run().id());
        });
        assertThat(queue.list(QueueState.QUEUED)).hasSize(1);
        assertThat(store.specs().pending(10)).isEmpty();
        assertThat(store.specs().firings("docs", 10)).extracting(TriggerLogEntry::consumedBy)
                .containsOnly("queue:" + taken.get().run().id());
        assertThat(queue.enqueueFiring(999, request("a"), T0)).as("no such firing").isEmpty();
    }

    @Test
    void aPassesFiringsAreTakenInOneTransactionAndRunsAttachedInAnother() {
        store.specs().insert(new StoredSpec("docs", "a", "name: docs\n", false, T0, T0), SpecState.initial("docs"));
        long first = store.specs().log("docs", new TriggerLogEntry.New("CRON", "due", T0)).seq();
        long second = store.specs().log("docs", new TriggerLogEntry.New("MANUAL", "by alice", T0)).seq();
        Map<Long, RunRequest> batch = new LinkedHashMap<>();
        batch.put(first, request("a", 1, "docs:k"));
        batch.put(second, request("a", 1, "docs:k"));

        Map<Long, Optional<Enqueued>> taken = queue.enqueueFirings(batch, T0);

        assertThat(taken.keySet()).containsExactly(first, second);
        assertThat(taken.get(first).orElseThrow().created()).isTrue();
        assertThat(taken.get(second).orElseThrow().created()).as("folded within the batch").isFalse();
        QueuedRun one = taken.get(first).orElseThrow().run();
        QueuedRun other = queue.enqueue(request("b")).run();
        queue.admit("serve-1", T0);
        queue.cancel(other.id(), T0);

        Map<Long, QueuedRun> attached = queue.attachRuns(Map.of(one.id(), "r-1", other.id(), "r-2"));

        assertThat(attached.keySet()).as("a cancelled request is skipped").containsExactly(one.id());
        assertThat(queue.find(one.id()).orElseThrow().runId()).isEqualTo("r-1");
        assertThat(queue.find(other.id()).orElseThrow().runId()).isNull();
    }

    @Test
    void aRefusedRequestLeavesItsFiringUntaken() {
        store.specs().insert(new StoredSpec("docs", "a", "name: docs\n", false, T0, T0), SpecState.initial("docs"));
        long firing = store.specs().log("docs", new TriggerLogEntry.New("CRON", "due", T0)).seq();

        assertThatThrownBy(() -> queue.enqueueFiring(firing, request("a", 4, "too-big"), T0))
                .isInstanceOf(OrchestratorException.class);

        assertThat(store.specs().pending(10)).extracting(TriggerLogEntry::seq).containsExactly(firing);
    }

    @Test
    void aRequeuedRequestWaitsOutItsBackoffCountsItsRetryPerClassAndDropsItsRun() {
        QueuedRun run = queue.enqueue(request("a", 1, "k")).run();
        queue.admit("serve-1", T0);
        queue.attachRun(run.id(), "r-1");

        QueuedRun back = queue.requeue(run.id(), Requeue.TRANSIENT, T0.plusSeconds(30), T0.plusSeconds(1));
        assertThat(back.state()).isEqualTo(QueueState.QUEUED);
        assertThat(back.runId()).isNull();
        assertThat(back.leaseOwner()).isNull();
        assertThat(back.notBefore()).isEqualTo(T0.plusSeconds(30));
        assertThat(back.retries(Requeue.TRANSIENT)).isEqualTo(1);
        assertThat(queue.enqueue(request("a", 1, "k")).created()).as("still the active request for its key").isFalse();

        assertThat(queue.admit("serve-1", T0.plusSeconds(29))).as("backing off").isEmpty();
        assertThat(queue.admit("serve-1", T0.plusSeconds(30))).extracting(QueuedRun::id).containsExactly(run.id());

        queue.requeue(run.id(), Requeue.PREEMPTION, T0.plusSeconds(40), T0.plusSeconds(31));
        queue.admit("serve-1", T0.plusSeconds(40));
        QueuedRun released = queue.requeue(run.id(), Requeue.RELEASED, T0.plusSeconds(41), T0.plusSeconds(41));
        assertThat(released.transientRetries()).isEqualTo(1);
        assertThat(released.preemptionRetries()).isEqualTo(1);
        assertThat(released.attempts()).isEqualTo(3);

        queue.cancel(run.id(), T0.plusSeconds(42));
        assertThatThrownBy(() -> queue.requeue(run.id(), Requeue.TRANSIENT, T0, T0))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("already CANCELLED");
    }

    @Test
    void aRestartedOwnerTakesBackWhatItsPredecessorHeldWithoutWaitingForTheLease() {
        QueuedRun mine = queue.enqueue(request("a")).run();
        queue.admit("serve@host#1", T0);
        queue.attachRun(mine.id(), "r-1");
        QueuedRun theirs = queue.enqueue(request("b")).run();
        queue.admit("serve@other#1", T0);

        List<QueuedRun> reclaimed = queue.reclaimOwner("serve@host#1", T0.plusSeconds(1));

        assertThat(reclaimed).extracting(QueuedRun::id, QueuedRun::state, QueuedRun::runId)
                .containsExactly(tuple(mine.id(), QueueState.QUEUED, "r-1"));
        assertThat(queue.find(theirs.id()).orElseThrow().state()).isEqualTo(QueueState.ADMITTED);
        assertThat(queue.reclaimOwner("serve@host#1", T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void queuedRequestsAreListedInTheirTenantsOrder() {
        long low = queue.enqueue(request("a")).run().id();
        long high = queue.enqueue(request("a").toBuilder().optPriority(5).build()).run().id();
        long other = queue.enqueue(request("b")).run().id();
        long low2 = queue.enqueue(request("a")).run().id();

        assertThat(queue.list(QueueState.QUEUED, "a")).extracting(QueuedRun::id).containsExactly(high, low, low2);
        assertThat(queue.list(QueueState.QUEUED)).extracting(QueuedRun::id).containsExactly(high, low, other, low2);
        assertThat(queue.list(QueueState.QUEUED, "nobody")).isEmpty();
    }

    @Test
    void everythingSurvivesReopeningTheStore() {
        QueuedRun admitted = queue.enqueue(request("a", 1, "k1")).run();
        QueuedRun waiting = queue.enqueue(request("a", 3, "k2")).run();
        queue.admit("serve-1", T0);
        store.close();

        store = MetadataStore.open(url);
        queue = store.runQueue(SHARE, LEASE);

        assertThat(queue.find(admitted.id()).orElseThrow().state()).isEqualTo(QueueState.ADMITTED);
        assertThat(queue.reservation()).hasValue(waiting.id());
        assertThat(queue.enqueue(request("a", 3, "k2")).run()).isEqualTo(waiting);
        assertThat(queue.heartbeat("serve-1", T0.plusSeconds(1))).containsExactly(admitted.id());
        assertThat(queue.enqueue(request("b")).run().id()).isGreaterThan(waiting.id());
    }
}
