package io.embedflow.orchestrator.gang.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.GangRestarts;
import io.embedflow.orchestrator.gang.GangRestarts.Outcome;
import io.embedflow.orchestrator.gang.GangStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whole-gang restarts through the launcher: {@link GangRestarts} runs on its own thread while the
 * test plays the Job controller, failing members of each attempt it sees appear.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesGangRestartTest {

    static final String NS = KubernetesGangLauncherTest.NS;
    /** Generous: only a hung test waits this long. */
    static final long PATIENCE_S = 60;

    KubernetesClient client;
    KubernetesGangLauncher launcher;
    JobController jobs;
    ExecutorService runner;

    @BeforeAll
    static void quietServer() {
        MockServerLogs.quiet();
    }

    @BeforeEach
    void setUp() {
        launcher = new KubernetesGangLauncher(client, KubernetesGangLauncherTest.options(), Clock.systemUTC());
        jobs = new JobController(client, NS);
        runner = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        runner.shutdownNow();
        assertThat(runner.awaitTermination(PATIENCE_S, TimeUnit.SECONDS)).isTrue();
    }

    Future<Outcome> runToEnd(GangRequest request) {
        return runner.submit(() -> GangRestarts.runToEnd(launcher, request, Duration.ofMillis(20)));
    }

    @Test
    void aFailedMemberRestartsTheWholeGangUntilTheRestartBudgetIsSpent() throws Exception {
        GangRequest request = new GangRequest("train", 2, 4, "32Gi", List.of("--epochs", "3"), Map.of(),
                Duration.ofMinutes(10), 1);
        Future<Outcome> outcome = runToEnd(request);

        awaitJobSet("train-a0");
        JobTemplateSpec first = jobs.jobTemplate("train-a0");
        jobs.createPods("train-a0");
        jobs.running("train-a0", 0);
        jobs.running("train-a0", 1);
        jobs.exited("train-a0", 1, 137, "OOMKilled");

        awaitJobSet("train-a1");
        assertThat(jobSet("train-a0")).as("the failed attempt's JobSet").isNull();
        assertThat(podsOfAttempt(0)).isEmpty();
        JobTemplateSpec second = jobs.jobTemplate("train-a1");
        assertSameShape(first, second);
        assertThat(env(second).get("EMBEDFLOW_GANG_ATTEMPT").getValue()).isEqualTo("1");
        assertThat(env(second).get("EMBEDFLOW_GANG_COORDINATOR").getValue()).isEqualTo("train-a1-workers-0-0.train-a1:29500");
        assertThat(second.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("embedflow.io/gang-attempt", "1");

        jobs.createPods("train-a1");
        jobs.running("train-a1", 1);
        jobs.exited("train-a1", 0, 1, "Error");

        Outcome ended = outcome.get(PATIENCE_S, TimeUnit.SECONDS);
        assertThat(ended.status()).isEqualTo(GangStatus.failed(0, "rank 0 exited with status 1"));
        assertThat(ended.attempts()).isEqualTo(2);
        assertThat(client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).list().getItems())
                .as("no JobSet left, and no third attempt").isEmpty();
        assertThat(podsOfAttempt(1)).isEmpty();
    }

    @Test
    void aGangThatSucceedsAfterARestartEndsSucceeded() throws Exception {
        Future<Outcome> outcome = runToEnd(new GangRequest("embed", 1, 0, "4Gi", List.of(), Map.of(), Duration.ofMinutes(10), 3));

        awaitJobSet("embed-a0");
        jobs.createPods("embed-a0");
        jobs.exited("embed-a0", 0, 143, "Error");
        awaitJobSet("embed-a1");
        jobs.createPods("embed-a1");
        jobs.succeeded("embed-a1", 0);

        Outcome ended = outcome.get(PATIENCE_S, TimeUnit.SECONDS);
        assertThat(ended.status()).isEqualTo(GangStatus.succeeded());
        assertThat(ended.attempts()).isEqualTo(2);
        assertThat(ended.failures()).extracting(GangStatus::failedRank).containsExactly(0);
        assertThat(ended.failures().get(0).reason()).contains("status 143");
    }

    private void awaitJobSet(String name) {
        client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).withName(name)
                .waitUntilCondition(Objects::nonNull, PATIENCE_S, TimeUnit.SECONDS);
    }

    private GenericKubernetesResource jobSet(String name) {
        return client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).withName(name).get();
    }

    private List<?> podsOfAttempt(int attempt) {
        return client.pods().inNamespace(NS).withLabels(GangJobSet.labels("train", attempt)).list().getItems();
    }

    private static void assertSameShape(JobTemplateSpec first, JobTemplateSpec second) {
        JobSpec a = first.getSpec();
        JobSpec b = second.getSpec();
        assertThat(b.getCompletionMode()).isEqualTo(a.getCompletionMode()).isEqualTo("Indexed");
        assertThat(b.getCompletions()).isEqualTo(a.getCompletions()).isEqualTo(2);
        assertThat(b.getParallelism()).isEqualTo(a.getParallelism()).isEqualTo(2);
        assertThat(b.getBackoffLimit()).isEqualTo(a.getBackoffLimit());
        Container ca = a.getTemplate().getSpec().getContainers().get(0);
        Container cb = b.getTemplate().getSpec().getContainers().get(0);
        assertThat(cb.getImage()).isEqualTo(ca.getImage());
        assertThat(cb.getCommand()).isEqualTo(ca.getCommand()).containsExactly("embedflow", "gang-worker", "--epochs", "3");
        assertThat(cb.getResources()).isEqualTo(ca.getResources());
        assertThat(cb.getSecurityContext()).isEqualTo(ca.getSecurityContext());
        assertThat(b.getTemplate().getSpec().getNodeSelector()).isEqualTo(a.getTemplate().getSpec().getNodeSelector());
        assertThat(b.getTemplate().getSpec().getTolerations()).isEqualTo(a.getTemplate().getSpec().getTolerations());
    }

    private static Map<String, EnvVar> env(JobTemplateSpec job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> e));
    }
}
