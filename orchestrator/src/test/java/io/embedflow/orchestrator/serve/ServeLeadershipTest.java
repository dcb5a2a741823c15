package io.embedflow.orchestrator.serve;

import static io.embedflow.orchestrator.serve.ServeDaemonTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.metrics.OrchestratorMetrics;
import io.embedflow.orchestrator.metrics.PrometheusText;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.serve.FakeLauncher.Outcome;
import io.embedflow.orchestrator.serve.k8s.LeaseElection;
import io.embedflow.orchestrator.serve.k8s.LeaseLeadership;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two serve replicas on one metadata store standing for one Lease on fabric8's Kubernetes API server
 * in CRUD mode: only the leader schedules, and a leader that loses the Lease hands its runs to the next.
 */
@EnableKubernetesMockClient(crud = true)
class ServeLeadershipTest {

    /** Held here: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final Logger MOCK_WEB_SERVER = Logger.getLogger("io.fabric8.mockwebserver");

    KubernetesClient client;
    @TempDir
    Path tmp;
    ServeFixture f;
    LeaseLeadership leadershipA;
    LeaseLeadership leadershipB;
    ServeDaemon replicaB;
    final AtomicInteger startedByB = new AtomicInteger();

    @BeforeAll
    static void quietServer() {
        MOCK_WEB_SERVER.setLevel(Level.WARNING);
    }

    static LeaseElection election(String identity) {
        return LeaseElection.builder().setLease("ml", "embedflow-serve").optIdentity(identity)
                .optLeaseDuration(Duration.ofSeconds(6)).optRenewDeadline(Duration.ofSeconds(5))
                .optRetryPeriod(Duration.ofMillis(200)).build();
    }

    static ServeListener counting(AtomicInteger starts) {
        return new ServeListener() {
            @Override
            public void runStarted(String tenant, String spec, Duration sinceFiring) {
                starts.incrementAndGet();
            }
        };
    }

    @BeforeEach
    void twoReplicasAndALeader() throws Exception {
        leadershipA = LeaseLeadership.start(client, election("a#1"));
        await(leadershipA::isLeader);
        f = new ServeFixture(tmp, 4, b -> b.optName("a"), leadershipA);
        leadershipB = LeaseLeadership.start(client, election("b#2"));
        replicaB = f.replica("b", leadershipB, counting(startedByB));
    }

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
        leadershipA.close();
        leadershipB.close();
    }

    @Test
    void onlyTheLeadersPassesScheduleAndTheStatusSaysWhoLeads() throws Exception {
        f.add("docs", "search", "");
        f.triggers.trigger("docs", "by test");

        ServeDaemon.Pass follower = replicaB.pass();
        assertThat(follower.firings() + follower.queued() + follower.folded() + follower.admitted()).isZero();
        assertThat(f.requests(QueueState.QUEUED)).as("the follower took no firing").isEmpty();
        ServeDaemon.Pass leader = f.pass();
        f.awaitIdle();

        assertThat(leader.queued()).isEqualTo(1);
        assertThat(leader.admitted()).isEqualTo(1);
        assertThat(f.launcher.started()).hasSize(1);
        assertThat(startedByB).hasValue(0);
        assertThat(f.runsOf("docs")).singleElement().extracting(RunRecord::status).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(f.daemon.status().leader()).isTrue();
        assertThat(replicaB.status().leader()).isFalse();
        OrchestratorMetrics metrics = new OrchestratorMetrics(f.metadata);
        metrics.watch(replicaB::status);
        assertThat(PrometheusText.parse(metrics.scrape().text()).value("embedflow_serve_leader")).contains(0.0);
        metrics.watch(f.daemon::status);
        assertThat(PrometheusText.parse(metrics.scrape().text()).value("embedflow_serve_leader")).contains(1.0);
    }

    @Test
    void aLeaderThatLosesTheLeaseStepsDownAndTheNextLeaderRunsWhatItHeld() throws Exception {
        f.add("docs", "search", "");
        f.launcher.script("docs", new Outcome.Hold());
        f.triggers.trigger("docs", "by test");
        Thread loopA = new Thread(f.daemon::serve, "serve-a");
        loopA.start();
        await(() -> f.launcher.started().size() == 1 && f.daemon.running() == 1);
        assertThat(replicaB.pass().admitted()).as("the follower admits nothing while A leads").isZero();

        // A's Lease is gone, as when its renewals fail: its loop wakes, stops its run as a requeue shutdown does, and ends
        leadershipA.close();
        loopA.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(loopA.isAlive()).isFalse();
        assertThat(f.daemon.lostLeadership()).isTrue();
        assertThat(f.daemon.status().leader()).isFalse();
        assertThat(f.daemon.running()).isZero();
        assertThat(f.requests(QueueState.QUEUED)).as("handed back").hasSize(1);
        assertThat(f.pass().admitted()).as("a replica that stepped down schedules no more").isZero();

        await(leadershipB::isLeader);
        ServeDaemon.Pass took = replicaB.pass();
        assertThat(replicaB.awaitIdle(Duration.ofSeconds(20))).isTrue();

        assertThat(took.admitted()).isEqualTo(1);
        assertThat(startedByB).hasValue(1);
        assertThat(f.runsOf("docs")).extracting(RunRecord::status).containsExactlyInAnyOrder(RunStatus.FAILED, RunStatus.SUCCEEDED);
        assertThat(f.runsOf("docs")).filteredOn(r -> r.status() == RunStatus.FAILED).singleElement()
                .satisfies(r -> assertThat(r.error()).contains("interrupted"));
        assertThat(f.requests(QueueState.SUCCEEDED)).hasSize(1);
        assertThat(replicaB.status().leader()).isTrue();
    }
}
