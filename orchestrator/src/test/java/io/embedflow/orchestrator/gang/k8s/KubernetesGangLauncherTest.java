package io.embedflow.orchestrator.gang.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.GangStatus;
import io.embedflow.orchestrator.gang.GangStatus.State;
import io.embedflow.orchestrator.gang.LaunchedGang;
import io.embedflow.orchestrator.gang.k8s.KubernetesGangOptions.Toleration;
import io.embedflow.orchestrator.metadata.ManualClock;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The launcher against fabric8's Kubernetes API server in CRUD mode; the test plays the Job controller. */
@EnableKubernetesMockClient(crud = true)
class KubernetesGangLauncherTest {

    static final String NS = "ml";

    KubernetesMockServer server;
    KubernetesClient client;
    ManualClock clock;
    KubernetesGangLauncher launcher;
    JobController jobs;

    static KubernetesGangOptions options() {
        return KubernetesGangOptions.builder()
                .setNamespace(NS)
                .setImage("registry.example.com/embedflow:0.1.0")
                .setQueue("gpu-training")
                .optNodeSelector(Map.of("nvidia.com/gpu.present", "true"))
                .optToleration(Toleration.exists("nvidia.com/gpu", Toleration.Effect.NO_SCHEDULE))
                .optCpuPerWorker("8")
                .optCredentialsSecret("s3-credentials")
                .build();
    }

    static GangRequest request(String gangId, int workers, int devices) {
        return new GangRequest(gangId, workers, devices, "32Gi", List.of("--config", "/etc/train.yaml"),
                Map.of("EMBEDFLOW_CHECKPOINTS", "s3://ckpt/" + gangId), Duration.ofMinutes(10), 1);
    }

    @BeforeAll
    static void quietServer() {
        MockServerLogs.quiet();
    }

    @BeforeEach
    void setUp() {
        clock = new ManualClock(Instant.parse("2026-11-29T10:00:00Z"));
        launcher = new KubernetesGangLauncher(client, options(), clock);
        jobs = new JobController(client, NS);
    }

    GenericKubernetesResource jobSet(String name) {
        return client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).withName(name).get();
    }

    @Test
    void launchCreatesOneJobSetThatKueueAdmitsAsAWhole() {
        launcher.launch(request("train", 2, 4), 0);

        GenericKubernetesResource created = jobSet("train-a0");
        assertThat(created.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "gpu-training")
                .containsEntry("app.kubernetes.io/managed-by", "embedflow")
                .containsEntry("embedflow.io/gang", "train")
                .containsEntry("embedflow.io/gang-attempt", "0");
        assertThat((Object) created.get("spec", "failurePolicy", "maxRestarts")).isEqualTo(0);
        assertThat((Object) created.get("spec", "network", "subdomain")).isEqualTo("train-a0");
        assertThat((Object) created.get("spec", "replicatedJobs", 0, "name")).isEqualTo("workers");
        assertThat((Object) created.get("spec", "replicatedJobs", 0, "replicas")).isEqualTo(1);

        JobTemplateSpec job = jobs.jobTemplate("train-a0");
        assertThat(job.getMetadata().getLabels()).containsEntry("embedflow.io/gang", "train")
                .containsEntry("embedflow.io/gang-attempt", "0");
        assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
        assertThat(job.getSpec().getCompletions()).isEqualTo(2);
        assertThat(job.getSpec().getParallelism()).isEqualTo(2);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "embedflow")
                .containsEntry("embedflow.io/gang", "train")
                .containsEntry("embedflow.io/gang-attempt", "0");

        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(pod.getContainers()).hasSize(1).allSatisfy(c -> {
            assertThat(c.getImage()).isEqualTo("registry.example.com/embedflow:0.1.0");
            assertThat(c.getCommand()).containsExactly("embedflow", "gang-worker", "--config", "/etc/train.yaml");
            assertThat(c.getResources().getRequests()).containsEntry("nvidia.com/gpu", new Quantity("4"))
                    .containsEntry("memory", new Quantity("32Gi")).containsEntry("cpu", new Quantity("8"));
            assertThat(c.getResources().getLimits()).isEqualTo(c.getResources().getRequests());
            assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(c.getEnvFrom()).singleElement().satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("s3-credentials"));
        });

        Map<String, EnvVar> env = env(pod.getContainers().get(0));
        assertThat(env.get("EMBEDFLOW_GANG_RANK").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        assertThat(env.get("EMBEDFLOW_GANG_WORLD_SIZE").getValue()).isEqualTo("2");
        assertThat(env.get("EMBEDFLOW_GANG_ID").getValue()).isEqualTo("train");
        assertThat(env.get("EMBEDFLOW_GANG_ATTEMPT").getValue()).isEqualTo("0");
        assertThat(env.get("EMBEDFLOW_GANG_DEVICES").getValue()).isEqualTo("4");
        // index 0 of replicated job "workers", job 0, through the subdomain: JobSet's naming
        assertThat(env.get("EMBEDFLOW_GANG_COORDINATOR").getValue()).isEqualTo("train-a0-workers-0-0.train-a0:29500");
        assertThat(env.get("EMBEDFLOW_CHECKPOINTS").getValue()).isEqualTo("s3://ckpt/train");
    }

    @Test
    void aCpuOnlyGangAsksForNoGpus() {
        launcher.launch(request("embed", 3, 0), 0);

        Container c = jobs.jobTemplate("embed-a0").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getResources().getRequests()).doesNotContainKey("nvidia.com/gpu").containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu").containsKeys("cpu", "memory");
        assertThat(env(c).get("EMBEDFLOW_GANG_DEVICES").getValue()).isEqualTo("0");
    }

    @Test
    void statusFollowsThePodsFromPendingToRunningToSucceeded() {
        LaunchedGang gang = launcher.launch(request("train", 2, 4), 0);
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);

        jobs.createPods("train-a0");
        jobs.running("train-a0", 0);
        jobs.running("train-a0", 1);
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);

        jobs.succeeded("train-a0", 0);
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);
        jobs.succeeded("train-a0", 1);
        assertThat(gang.status()).isEqualTo(GangStatus.succeeded());
    }

    @Test
    void aMemberKilledWithStatus137FailsTheGangNamingItsRank() {
        LaunchedGang gang = launcher.launch(request("train", 2, 4), 0);
        jobs.createPods("train-a0");
        jobs.running("train-a0", 0);
        jobs.running("train-a0", 1);

        jobs.exited("train-a0", 1, 137, "OOMKilled");

        GangStatus status = gang.status();
        assertThat(status.state()).isEqualTo(State.FAILED);
        assertThat(status.failedRank()).isEqualTo(1);
        assertThat(status.reason()).isEqualTo("rank 1 exited with status 137 (OOMKilled)");
    }

    @Test
    void theJobSetsOwnConditionsCount() {
        LaunchedGang completed = launcher.launch(request("done", 1, 0), 0);
        LaunchedGang failed = launcher.launch(request("broken", 1, 0), 0);

        setCondition("done-a0", "Completed", "AllJobsCompleted", "jobset completed successfully");
        setCondition("broken-a0", "Failed", "FailedJobs", "jobset failed due to one or more job failures");

        assertThat(completed.status()).isEqualTo(GangStatus.succeeded());
        assertThat(failed.status()).isEqualTo(GangStatus.failed(-1,
                "JobSet broken-a0 failed: FailedJobs: jobset failed due to one or more job failures"));
    }

    @Test
    void membersNotRunningWhenTheJoinTimeoutPassesFailTheGangNamingThem() {
        GangRequest request = new GangRequest("train", 2, 4, "32Gi", List.of(), Map.of(), Duration.ofSeconds(30), 0);
        LaunchedGang gang = launcher.launch(request, 0);
        jobs.createPods("train-a0");
        jobs.running("train-a0", 0);
        jobs.unschedulable("train-a0", 1);
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);

        clock.advance(Duration.ofSeconds(30));

        assertThat(gang.status()).isEqualTo(GangStatus.failed(1, "rank 1 of 2 not running after 30s: Pending (Unschedulable)"));
    }

    @Test
    void ranksWithoutAPodAreNamedToo() {
        GangRequest request = new GangRequest("train", 3, 1, "8Gi", List.of(), Map.of(), Duration.ofMinutes(10), 0);
        LaunchedGang gang = launcher.launch(request, 0);
        jobs.createPods("train-a0");
        jobs.running("train-a0", 1);
        client.pods().inNamespace(NS).withName(JobController.podName("train-a0", 2)).delete();

        clock.advance(Duration.ofMinutes(10));

        assertThat(gang.status()).isEqualTo(GangStatus.failed(0,
                "ranks 0, 2 of 3 not running after 10m: rank 0 Pending, rank 2 no pod"));
    }

    @Test
    void waitingInKueuesQueueDoesNotCountAgainstTheJoinTimeout() {
        LaunchedGang gang = launcher.launch(request("train", 2, 4), 0);
        setSuspended("train-a0", true);
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);

        clock.advance(Duration.ofHours(3));
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);

        setSuspended("train-a0", false);
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);
        clock.advance(Duration.ofMinutes(9));
        assertThat(gang.status().state()).isEqualTo(State.RUNNING);
        clock.advance(Duration.ofMinutes(1));
        assertThat(gang.status()).isEqualTo(GangStatus.failed(0,
                "ranks 0, 1 of 2 not running after 10m: rank 0 no pod, rank 1 no pod"));
    }

    @Test
    void stopDeletesTheJobSetAndItsPodsAndMayBeRepeated() {
        LaunchedGang gang = launcher.launch(request("train", 2, 4), 0);
        LaunchedGang other = launcher.launch(request("other", 1, 0), 0);
        jobs.createPods("train-a0");
        jobs.createPods("other-a0");
        jobs.running("train-a0", 0);

        gang.stop();
        gang.stop();

        assertThat(jobSet("train-a0")).isNull();
        assertThat(client.pods().inNamespace(NS).withLabel(GangJobSet.GANG_LABEL, "train").list().getItems()).isEmpty();
        assertThat(gang.status().state()).isEqualTo(State.FAILED);
        assertThat(jobSet("other-a0")).isNotNull();
        assertThat(client.pods().inNamespace(NS).withLabel(GangJobSet.GANG_LABEL, "other").list().getItems()).hasSize(1);
        assertThat(other.status().state()).isEqualTo(State.RUNNING);
    }

    @Test
    void aRefusedJobSetLeavesNothingBehindAndTheErrorNamesTheGang() {
        Status forbidden = new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                .withMessage("jobsets.jobset.x-k8s.io \"train-a0\" is forbidden: exceeded quota: gpu-quota").build();
        server.expect().post().withPath("/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets")
                .andReturn(403, forbidden).once();

        assertThatThrownBy(() -> launcher.launch(request("train", 2, 4), 0))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("gang train attempt 0")
                .hasMessageContaining("JobSet ml/train-a0")
                .hasMessageContaining("exceeded quota");

        assertThat(client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.services().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void aJobSetOfTheSameNameIsLeftAloneAndNamed() {
        GenericKubernetesResource someoneElses = new GenericKubernetesResourceBuilder()
                .withApiVersion(GangJobSet.API_VERSION).withKind("JobSet")
                .withNewMetadata().withName("train-a0").withNamespace(NS).withLabels(Map.of("team", "search")).endMetadata()
                .build();
        client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).resource(someoneElses).create();

        assertThatThrownBy(() -> launcher.launch(request("train", 2, 4), 0))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("gang train attempt 0")
                .hasMessageContaining("JobSet ml/train-a0 already exists");

        assertThat(client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).list().getItems())
                .singleElement().satisfies(js -> assertThat(js.getMetadata().getLabels()).containsEntry("team", "search"));
    }

    private void setCondition(String name, String type, String reason, String message) {
        client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).withName(name).edit(js -> {
            js.setAdditionalProperty("status", Map.of("conditions", List.of(Map.of(
                    "type", type, "status", "True", "reason", reason, "message", message))));
            return js;
        });
    }

    @SuppressWarnings("unchecked")
    private void setSuspended(String name, boolean suspended) {
        client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(NS).withName(name).edit(js -> {
            ((Map<String, Object>) js.getAdditionalProperties().get("spec")).put("suspend", suspended);
            return js;
        });
    }

    private static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> e));
    }
}
