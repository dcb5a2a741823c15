package io.embedflow.orchestrator.submit.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.k8s.MockServerLogs;
import io.embedflow.orchestrator.serve.FailureClass;
import io.embedflow.orchestrator.serve.FailureClassifier;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.JobSubmission;
import io.embedflow.orchestrator.submit.SubmittedJob;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator-backed target against fabric8's Kubernetes API server in CRUD mode; the test plays the operator. */
@EnableKubernetesMockClient(crud = true)
class KubernetesFlinkTest {

    static final String NS = "embedflow";
    static final String JAR = "local:///opt/flink/usrlib/embedflow-pipelines-flink-job.jar";
    static final String JOB_NAME = "embedflow refresh r-20261129-0815-abc123";
    static final String RESOURCE = "embedflow-refresh-r-20261129-0815-abc123";
    /** No Flink REST API in these tests: a port nothing listens on, refused at once. */
    static final java.net.URI NO_REST = java.net.URI.create("http://127.0.0.1:1");

    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeAll
    static void quietServer() {
        MockServerLogs.quiet();
    }

    KubernetesFlink session() {
        return session(Duration.ofMinutes(5));
    }

    KubernetesFlink session(Duration startTimeout) {
        return new KubernetesFlink(client, KubernetesFlinkOptions.builder().setNamespace(NS).setSessionCluster("embedflow-flink")
                .setJarUri(JAR).optRestAddress(NO_REST).optPollInterval(Duration.ofMillis(20)).optStartTimeout(startTimeout).build(), Clock.systemUTC());
    }

    static JobSubmission job() {
        return JobSubmission.of(JOB_NAME, env -> { }, String.class,
                Map.of("embedflow.input", "s3://warehouse/docs/", "embedflow.run-id", "r-20261129-0815-abc123",
                        "embedflow.parallelism", "4"), 4);
    }

    OperatorFake sessionOperator() {
        return new OperatorFake(client, NS, FlinkResources.SESSION_JOBS);
    }

    @Test
    void aJobBecomesAFlinkSessionJobThatRunsTheJarsMainClassWithItsOptions() {
        session().submit(job());

        GenericKubernetesResource created = sessionOperator().get(RESOURCE);
        assertThat(created.getKind()).isEqualTo("FlinkSessionJob");
        assertThat(created.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "embedflow");
        assertThat(created.getMetadata().getAnnotations()).containsEntry("embedflow.io/job-name", JOB_NAME);
        assertThat((Object) created.get("spec", "deploymentName")).isEqualTo("embedflow-flink");
        assertThat((Object) created.get("spec", "job", "jarURI")).isEqualTo(JAR);
        assertThat((Object) created.get("spec", "job", "entryClass")).isEqualTo("java.lang.String");
        assertThat((Object) created.get("spec", "job", "args")).isEqualTo(List.of("--input", "s3://warehouse/docs/",
                "--parallelism", "4", "--run-id", "r-20261129-0815-abc123"));
        assertThat((Object) created.get("spec", "job", "parallelism")).isEqualTo(4);
        assertThat((Object) created.get("spec", "job", "upgradeMode")).isEqualTo("stateless");
    }

    @Test
    void aJobIsFollowedThroughItsStatusToTheEndAndItsResourceDeleted() throws Exception {
        KubernetesFlink flink = session();
        SubmittedJob job = flink.submit(job());
        OperatorFake operator = sessionOperator();

        assertThat(flink.findJob(JOB_NAME)).map(FlinkJob::state).contains(JobStatus.INITIALIZING);
        assertThat(job.awaitResult(Duration.ofMillis(100))).isEmpty();

        operator.job(RESOURCE, "a".repeat(32), "RUNNING");
        assertThat(job.awaitResult(Duration.ofMillis(100))).isEmpty();
        assertThat(job.flinkJobId()).contains("a".repeat(32));
        FlinkJob running = flink.findJob(JOB_NAME).orElseThrow();
        assertThat(running.id()).isEqualTo(RESOURCE);
        assertThat(running.state()).isEqualTo(JobStatus.RUNNING);
        assertThat(flink.job("a".repeat(32))).map(FlinkJob::id).contains(RESOURCE);

        operator.job(RESOURCE, "a".repeat(32), "FINISHED");
        assertThat(job.awaitResult(Duration.ofSeconds(5))).contains(Map.of());
        assertThat(operator.get(RESOURCE)).as("deleted once it ended").isNull();
        assertThat(job.awaitResult(Duration.ZERO)).as("the outcome is kept").contains(Map.of());
    }

    @Test
    void aFailedJobFailsWithTheOperatorsAccountWhichTheSchedulerClassifies() throws Exception {
        KubernetesFlink flink = session();
        SubmittedJob job = flink.submit(job());
        OperatorFake operator = sessionOperator();
        operator.job(RESOURCE, "b".repeat(32), "RUNNING");
        operator.error(RESOURCE, "org.apache.flink.runtime.JobException", "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy",
                "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException",
                "Could not acquire the minimum required resources.", "STABLE");
        operator.job(RESOURCE, "b".repeat(32), "FAILED");

        assertThatThrownBy(() -> job.awaitResult(Duration.ofSeconds(5)))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining(JOB_NAME + " failed (FlinkSessionJob embedflow/" + RESOURCE + ")")
                .hasMessageContaining("NoResourceAvailableException: Could not acquire the minimum required resources.")
                .satisfies(e -> assertThat(FailureClassifier.classify(e).failureClass()).isEqualTo(FailureClass.PREEMPTION));
        assertThat(operator.get(RESOURCE)).isNull();
    }

    @Test
    void badInputFailsTheJobForGood() throws Exception {
        SubmittedJob job = session().submit(job());
        OperatorFake operator = sessionOperator();
        operator.error(RESOURCE, "org.apache.flink.kubernetes.operator.exception.ReconciliationException",
                "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error",
                "io.embedflow.flink.refresh.RefreshJobException", "column 'body' is not in s3://warehouse/docs/part-0.parquet",
                "FAILED");

        assertThatThrownBy(() -> job.awaitResult(Duration.ofSeconds(5)))
                .hasMessageContaining("the operator gave up on its resource")
                .hasMessageContaining("column 'body' is not in s3://warehouse/docs/part-0.parquet")
                .satisfies(e -> assertThat(FailureClassifier.classify(e).failureClass()).isEqualTo(FailureClass.FATAL));
        assertThat(session().findJob(JOB_NAME)).isEmpty();
    }

    @Test
    void cancellingDeletesTheResourceAndTheFollowerSeesACancellation() {
        KubernetesFlink flink = session();
        SubmittedJob job = flink.submit(job());
        sessionOperator().job(RESOURCE, "c".repeat(32), "RUNNING");

        String id = flink.findJob(JOB_NAME).filter(j -> !j.isTerminal()).map(FlinkJob::id).orElseThrow();
        assertThat(flink.cancel(id)).isTrue();

        assertThat(sessionOperator().get(RESOURCE)).isNull();
        assertThatThrownBy(() -> job.awaitResult(Duration.ofSeconds(5))).hasMessageStartingWith("cancelled: ");
        assertThat(flink.cancel(id)).as("nothing left to cancel").isFalse();
    }

    @Test
    void aResourceDeletedUnderARunningJobReadsAsLostResources() {
        SubmittedJob job = session().submit(job());
        sessionOperator().job(RESOURCE, "d".repeat(32), "RUNNING");
        client.genericKubernetesResources(FlinkResources.SESSION_JOBS).inNamespace(NS).withName(RESOURCE).delete();

        assertThatThrownBy(() -> job.awaitResult(Duration.ofSeconds(5)))
                .hasMessageContaining("was deleted before " + JOB_NAME + " ended")
                .satisfies(e -> assertThat(FailureClassifier.classify(e).failureClass()).isEqualTo(FailureClass.PREEMPTION));
    }

    @Test
    void aJobThatGetsNoFlinkJobInTimeFailsAsPassingWithTheOperatorsError() {
        SubmittedJob job = session(Duration.ofMillis(300)).submit(job());
        sessionOperator().error(RESOURCE, "org.apache.flink.kubernetes.operator.exception.ReconciliationException",
                "could not reach the session cluster", "java.util.concurrent.TimeoutException", "upload timed out", "UPGRADING");

        assertThatThrownBy(() -> job.awaitResult(Duration.ofSeconds(5)))
                .hasMessageContaining(JOB_NAME + " did not start within PT0.3S")
                .hasMessageContaining("is UPGRADING")
                .hasMessageContaining("upload timed out")
                .satisfies(e -> assertThat(FailureClassifier.classify(e).failureClass()).isEqualTo(FailureClass.TRANSIENT));
        assertThat(sessionOperator().get(RESOURCE)).isNull();
    }

    @Test
    void aJobLeftByAnEarlierServeIsFollowedByItsIdAndDiscardedOnceRecorded() {
        session().submit(job());   // this submitter "crashes": nobody follows the job
        sessionOperator().job(RESOURCE, "9".repeat(32), "FINISHED");

        KubernetesFlink next = session();
        FlinkJob left = next.findJob(JOB_NAME).orElseThrow();
        assertThat(left.isTerminal()).isTrue();
        assertThat(next.describeJob(left)).isEqualTo("FlinkSessionJob embedflow/" + RESOURCE);
        next.discard(left.id());
        assertThat(sessionOperator().get(RESOURCE)).isNull();
    }

    @Test
    void aNewAttemptReplacesAnEndedResourceOfTheSameNameButNotARunningOne() {
        KubernetesFlink flink = session();
        flink.submit(job());
        sessionOperator().job(RESOURCE, "e".repeat(32), "RUNNING");
        assertThatThrownBy(() -> flink.submit(job())).hasMessageContaining("already runs " + JOB_NAME);

        sessionOperator().job(RESOURCE, "e".repeat(32), "FAILED");
        flink.submit(job());
        assertThat(FlinkResources.view(sessionOperator().get(RESOURCE)).state()).isEmpty();
    }

    @Test
    void theSessionClustersCapacityIsItsTaskManagersSlots() {
        KubernetesFlink flink = session();
        assertThatThrownBy(flink::totalSlots).hasMessageContaining("FlinkDeployment embedflow/embedflow-flink does not exist");

        client.genericKubernetesResources(FlinkResources.DEPLOYMENTS).inNamespace(NS).resource(deployment("""
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata:
                  name: embedflow-flink
                spec:
                  image: flink:2.1
                  flinkVersion: v2_1
                  flinkConfiguration:
                    taskmanager.numberOfTaskSlots: "4"
                  taskManager:
                    replicas: 3
                """)).create();
        assertThat(flink.totalSlots()).hasValue(12);
    }

    @Test
    void applicationModeRunsEachJobAsItsOwnDeploymentMadeFromTheTemplate() throws Exception {
        GenericKubernetesResource template = deployment(TEMPLATE);
        KubernetesFlink flink = new KubernetesFlink(client, KubernetesFlinkOptions.builder().setNamespace(NS)
                .setApplicationTemplate(template).setJarUri(JAR).optRestAddress(NO_REST).optPollInterval(Duration.ofMillis(20)).build(), Clock.systemUTC());
        SubmittedJob job = flink.submit(job());
        OperatorFake operator = new OperatorFake(client, NS, FlinkResources.DEPLOYMENTS);

        GenericKubernetesResource created = operator.get(RESOURCE);
        assertThat(created.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "embedflow")
                .containsEntry("team", "search");
        assertThat((Object) created.get("spec", "image")).isEqualTo("registry.example.com/embedflow-flink:0.1.0");
        assertThat((Object) created.get("spec", "taskManager", "resource", "memory")).isEqualTo("16g");
        assertThat((Object) created.get("spec", "job", "entryClass")).isEqualTo("java.lang.String");
        assertThat((Object) created.get("spec", "job", "jarURI")).isEqualTo(JAR);
        assertThat(flink.totalSlots()).as("each job brings its own cluster").isEmpty();
        assertThat(template.getAdditionalProperties().get("spec")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).doesNotContainKey("job");

        operator.job(RESOURCE, "f".repeat(32), "FINISHED");
        assertThat(job.awaitResult(Duration.ofSeconds(5))).isPresent();
        assertThat(operator.get(RESOURCE)).as("the application cluster goes with its job").isNull();
    }

    @Test
    void aTemplateMustBeAFlinkDeploymentWithoutAJob(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, TEMPLATE + "  job:\n    jarURI: local:///x.jar\n");
        assertThatThrownBy(() -> KubernetesFlinkOptions.readTemplate(file))
                .hasMessageContaining(file.toString()).hasMessageContaining("must not have 'spec.job'");
        Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        assertThatThrownBy(() -> KubernetesFlinkOptions.readTemplate(file)).hasMessageContaining("must be a flink.apache.org/v1beta1 FlinkDeployment");
        Files.writeString(file, TEMPLATE);
        assertThat(KubernetesFlinkOptions.readTemplate(file).getKind()).isEqualTo("FlinkDeployment");
        assertThatThrownBy(() -> KubernetesFlinkOptions.builder().setNamespace(NS).setJarUri(JAR).build())
                .hasMessageContaining("choose one");
    }

    @Test
    void refusedAndFailingApiCallsSayTheirStatusSoTheyAreClassified() {
        String path = "/apis/flink.apache.org/v1beta1/namespaces/" + NS + "/flinksessionjobs";
        server.expect().post().withPath(path).andReturn(403, "{}").once();
        assertThatThrownBy(() -> session().submit(job()))
                .hasMessageContaining("could not create FlinkSessionJob embedflow/" + RESOURCE)
                .hasMessageContaining("status code 403")
                .satisfies(e -> assertThat(FailureClassifier.classify(e).failureClass()).isEqualTo(FailureClass.FATAL));
        // the client retries 5xx and 429 itself; one that still fails reads as passing
        var unavailable = new io.fabric8.kubernetes.client.KubernetesClientException(
                new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(503).withMessage("etcd leader changed").build());
        assertThat(FailureClassifier.classify(KubernetesFlink.apiFailure("could not read x", unavailable)).failureClass())
                .isEqualTo(FailureClass.TRANSIENT);
    }

    @Test
    void longJobNamesGetShortStableResourceNames() {
        assertThat(FlinkResources.resourceName("embedflow refresh r-1")).isEqualTo("embedflow-refresh-r-1");
        String longName = "embedflow retrieval " + "x".repeat(80);
        String name = FlinkResources.resourceName(longName);
        assertThat(name).hasSizeLessThanOrEqualTo(45).matches("[a-z]([-a-z0-9]*[a-z0-9])?")
                .isEqualTo(FlinkResources.resourceName(longName)).isNotEqualTo(FlinkResources.resourceName(longName + "y"));
        assertThat(FlinkResources.resourceName("42 jobs")).startsWith("job-42");
    }

    static final String TEMPLATE = """
            apiVersion: flink.apache.org/v1beta1
            kind: FlinkDeployment
            metadata:
              name: template
              labels:
                team: search
            spec:
              image: registry.example.com/embedflow-flink:0.1.0
              flinkVersion: v2_1
              serviceAccount: embedflow-flink
              jobManager:
                resource: {cpu: 1, memory: 2g}
              taskManager:
                resource: {cpu: 8, memory: 16g}
            """;

    static GenericKubernetesResource deployment(String yaml) {
        return new KubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    }

}
