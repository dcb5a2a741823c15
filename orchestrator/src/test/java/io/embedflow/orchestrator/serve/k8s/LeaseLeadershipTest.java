package io.embedflow.orchestrator.serve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two processes standing for one Lease on fabric8's Kubernetes API server in CRUD mode. The Lease lasts 6 s, long enough
 * that a starved CPU does not make a leader miss its renewals; hand-overs do not wait for it (a closing leader clears
 * the holder), only retries of 200 ms.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseLeadershipTest {

    static final String NS = "ml";
    static final String LEASE = "embedflow-serve";
    /** Held here: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final Logger MOCK_WEB_SERVER = Logger.getLogger("io.fabric8.mockwebserver");

    KubernetesClient client;
    final List<LeaseLeadership> standing = new ArrayList<>();

    @BeforeAll
    static void quietServer() {
        MOCK_WEB_SERVER.setLevel(Level.WARNING);
    }

    @AfterEach
    void closeAll() {
        standing.forEach(LeaseLeadership::close);
    }

    LeaseLeadership stand(String identity) {
        LeaseLeadership leadership = LeaseLeadership.start(client, LeaseElection.builder().setLease(NS, LEASE).optIdentity(identity)
                .optLeaseDuration(Duration.ofSeconds(6)).optRenewDeadline(Duration.ofSeconds(5))
                .optRetryPeriod(Duration.ofMillis(200)).build());
        standing.add(leadership);
        return leadership;
    }

    Lease lease() {
        return client.leases().inNamespace(NS).withName(LEASE).get();
    }

    @Test
    void ofTwoOnOneLeaseExactlyOneLeadsAndTheLeaseNamesIt() throws Exception {
        LeaseLeadership a = stand("a#1");
        LeaseLeadership b = stand("b#2");

        await(() -> a.isLeader() || b.isLeader());
        LeaseLeadership leader = a.isLeader() ? a : b;
        LeaseLeadership follower = leader == a ? b : a;
        // over several retry periods and renewals, the follower never leads while the leader holds the Lease
        for (int i = 0; i < 10; i++) {
            assertThat(a.isLeader() && b.isLeader()).isFalse();
            Thread.sleep(100);
        }

        assertThat(leader.isLeader()).isTrue();
        assertThat(follower.isLeader()).isFalse();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(leader.election().identity());
    }

    @Test
    void whenTheLeaderClosesTheOtherTakesOverAndIsTold() throws Exception {
        LeaseLeadership a = stand("a#1");
        await(a::isLeader);
        LeaseLeadership b = stand("b#2");
        CountDownLatch bChanged = new CountDownLatch(1);
        b.watch(leads -> bChanged.countDown());
        CountDownLatch aChanged = new CountDownLatch(1);
        a.watch(leads -> aChanged.countDown());

        a.close();

        assertThat(a.isLeader()).isFalse();
        assertThat(aChanged.getCount()).as("told before close returned").isZero();
        assertThat(bChanged.await(10, TimeUnit.SECONDS)).as("b told within 10 s").isTrue();
        assertThat(b.isLeader()).isTrue();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("b#2");
        assertThat(lease().getSpec().getLeaseTransitions()).isEqualTo(1);
    }

    @Test
    void aClosedLeaderReleasesTheLeaseAndAClosedFollowerNeverLeads() throws Exception {
        LeaseLeadership a = stand("a#1");
        await(a::isLeader);
        LeaseLeadership b = stand("b#2");
        b.close();

        a.close();
        a.close();

        assertThat(lease().getSpec().getHolderIdentity()).as("released, not left to expire").isNullOrEmpty();
        Thread.sleep(500);
        assertThat(b.isLeader()).isFalse();
        assertThat(lease().getSpec().getHolderIdentity()).isNullOrEmpty();
    }

    /** The election relies on optimistic concurrency: a write with a stale resourceVersion must fail, as on a real API server. */
    @Test
    void theApiServerRefusesALeaseUpdateWithAStaleResourceVersion() {
        client.leases().inNamespace(NS).resource(new LeaseBuilder().withNewMetadata().withName("other").endMetadata()
                .withNewSpec().withHolderIdentity("a#1").endSpec().build()).create();
        Lease seen = client.leases().inNamespace(NS).withName("other").get();
        client.leases().inNamespace(NS).resource(new LeaseBuilder(seen).editSpec().withHolderIdentity("c#3").endSpec().build())
                .update();

        assertThatThrownBy(() -> client.leases().inNamespace(NS)
                .resource(new LeaseBuilder(seen).editSpec().withHolderIdentity("b#2").endSpec().build()).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        // the elector writes with a JSON merge patch carrying the version it read
        assertThatThrownBy(() -> client.leases().inNamespace(NS)
                .resource(new LeaseBuilder(seen).editSpec().withHolderIdentity("b#2").endSpec().build())
                .patch(PatchContext.of(PatchType.JSON_MERGE)))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(client.leases().inNamespace(NS).withName("other").get().getSpec().getHolderIdentity()).isEqualTo("c#3");
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(10);
        }
    }
}
