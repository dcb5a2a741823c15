package io.embedflow.orchestrator.serve.k8s;

import io.embedflow.orchestrator.serve.Leadership;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership held as a Kubernetes Lease ({@code coordination.k8s.io/v1}), through fabric8's
 * {@code LeaderElector}: every replica tries the Lease each retry period; the one whose identity the
 * Lease names leads and renews it; the others take it once it was released or not renewed for a
 * lease duration. Needs {@code get}, {@code create}, {@code update} and {@code patch} on
 * {@code leases} in the namespace.
 *
 * <p>It stands once: a leader that fails to renew within its renew deadline stops leading for good
 * (the serve daemon then steps down and the process exits, see {@code ServeDaemon}), and a restarted
 * process stands again. A follower keeps trying until it leads or is closed.
 *
 * <p>Threading: the election runs on the client's executor, and watchers are called there; the
 * future of the election is owned here and cancelled by {@link #close}, which releases a held Lease
 * before it returns. The caller of {@link #start(KubernetesClient, LeaseElection)} owns the client and
 * closes it after this; {@link #start(LeaseElection)} makes and closes its own.
 *
 * <pre>{@code
 * try (LeaseLeadership leadership = LeaseLeadership.start(LeaseElection.builder().setLease("ml/embedflow-serve").build())) {
 *     ServeDaemon daemon = ServeDaemon.create(config, metadata, registry, probe, flink, launcher, capacity, clock, listener, leadership);
 *     daemon.serve();      // until closed, or until it lost the leadership (daemon.lostLeadership())
 *     daemon.close();      // before the Lease is released: the next leader finds the runs handed back
 * }
 * }</pre>
 */
public final class LeaseLeadership implements Leadership {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseLeadership.class);

    private final LeaseElection election;
    private final KubernetesClient client;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final Object lifecycle = new Object();
    /** Whether this made the client, and closes it. */
    private final boolean ownsClient;
    private CompletableFuture<?> elector;
    private boolean closed;

    private LeaseLeadership(LeaseElection election, KubernetesClient client, boolean ownsClient) {
        this.election = election;
        this.client = client;
        this.ownsClient = ownsClient;
    }

    /**
     * Starts standing for the Lease {@code election} names, with a client configured as fabric8's
     * are by default (in a pod: its service account; elsewhere: {@code ~/.kube/config}), closed with this.
     */
    public static LeaseLeadership start(LeaseElection election) {
        KubernetesClient client = new KubernetesClientBuilder().build();
        try {
            return start(client, election, true);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Starts standing for the Lease {@code election} names; returns at once, not yet leading. */
    public static LeaseLeadership start(KubernetesClient client, LeaseElection election) {
        return start(Objects.requireNonNull(client, "client"), election, false);
    }

    private static LeaseLeadership start(KubernetesClient client, LeaseElection election, boolean ownsClient) {
        LeaseLeadership leadership = new LeaseLeadership(Objects.requireNonNull(election, "election"), client, ownsClient);
        LeaderCallbacks callbacks = new LeaderCallbacks(() -> leadership.changed(true), () -> leadership.changed(false),
                leadership::newLeader);
        CompletableFuture<?> running = client.leaderElector()
                .withConfig(new LeaderElectionConfigBuilder()
                        .withName("embedflow serve")
                        .withLock(new LeaseLock(election.namespace(), election.lease(), election.identity()))
                        .withLeaseDuration(election.leaseDuration())
                        .withRenewDeadline(election.renewDeadline())
                        .withRetryPeriod(election.retryPeriod())
                        .withLeaderCallbacks(callbacks)
                        .withReleaseOnCancel(true)
                        .build())
                .build()
                .start();
        synchronized (leadership.lifecycle) {
            leadership.elector = running;
        }
        running.whenComplete((done, failure) -> leadership.ended(failure));
        LOG.info("standing for leadership of Lease {} as {}", election.leaseRef(), election.identity());
        return leadership;
    }

    @Override
    public boolean isLeader() {
        return leading.get();
    }

    @Override
    public void watch(Watcher watcher) {
        watchers.add(Objects.requireNonNull(watcher, "watcher"));
    }

    /** The election this stands in. */
    public LeaseElection election() {
        return election;
    }

    @Override
    public void close() {
        CompletableFuture<?> running;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            running = elector;
        }
        // completes the election in this thread: a held Lease is released before cancel returns
        running.cancel(true);
        changed(false);
        clearHolder();
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "Lease " + election.leaseRef() + " as " + election.identity();
    }

    /**
     * The elector's callbacks may repeat a state (it reports a stop both when it sees another holder
     * and when it ends): watchers are told of changes only. Called on the elector's thread, and by close.
     */
    private synchronized void changed(boolean leads) {
        if (leading.compareAndSet(!leads, leads)) {
            if (leads) {
                LOG.info("{} leads", this);
            } else {
                LOG.warn("{} no longer leads", this);
            }
            for (Watcher watcher : watchers) {
                try {
                    watcher.changed(leads);
                } catch (RuntimeException e) {
                    LOG.warn("a leadership watcher failed: {}", e.getMessage(), e);
                }
            }
        }
    }

    /**
     * fabric8's release on cancel writes a null holder in a JSON merge patch, where null leaves the
     * holder as it was; the others would then wait a lease duration. This clears it, with the version
     * read, so that a write by anyone in between wins.
     */
    private void clearHolder() {
        try {
            Lease lease = client.leases().inNamespace(election.namespace()).withName(election.lease()).get();
            if (lease != null && lease.getSpec() != null && election.identity().equals(lease.getSpec().getHolderIdentity())) {
                client.leases().inNamespace(election.namespace())
                        .resource(new LeaseBuilder(lease).editSpec().withHolderIdentity("").endSpec().build()).update();
                LOG.info("released Lease {}", election.leaseRef());
            }
        } catch (KubernetesClientException e) {
            LOG.warn("could not release Lease {} (the others take it when it expires): {}", election.leaseRef(), e.getMessage());
        }
    }

    private void newLeader(String holder) {
        if (holder != null && !holder.equals(election.identity())) {
            LOG.info("Lease {} is held by {}", election.leaseRef(), holder);
        }
    }

    private void ended(Throwable failure) {
        boolean asked;
        synchronized (lifecycle) {
            asked = closed;
        }
        if (!asked) {
            // the renew deadline passed or another took the Lease: this process stands no more
            LOG.warn("{} stopped standing for leadership{}", this, failure == null ? "" : ": " + failure.getMessage());
            changed(false);
        }
    }
}
