package io.embedflow.orchestrator.submit.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.table.TableManifest;
import io.embedflow.flink.refresh.EmbeddingRefreshJob;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.demo.DemoDataset;
import io.embedflow.orchestrator.demo.StarterModel;
import io.embedflow.orchestrator.gang.k8s.MockServerLogs;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh submitted as a {@code FlinkSessionJob}: the runner plans it, the session cluster runs
 * the pipeline jar's main class with the resource's arguments (played by {@link SessionClusterFake}
 * on an embedded cluster), and the runner follows the resource to the end and records the run.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRefreshTest {

    static final String NS = "embedflow";
    static EmbeddedFlink flink;

    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path tmp;

    @BeforeAll
    static void startFlink() {
        MockServerLogs.quiet();
        flink = EmbeddedFlink.start(2);
    }

    @AfterAll
    static void stopFlink() {
        flink.close();
    }

    KubernetesFlink target() {
        return new KubernetesFlink(client, KubernetesFlinkOptions.builder().setNamespace(NS).setSessionCluster("embedflow-flink")
                .setJarUri("local:///opt/flink/usrlib/embedflow-pipelines-flink-job.jar")
                .optRestAddress(flink.restAddress()).optPollInterval(Duration.ofMillis(100)).build(), Clock.systemUTC());
    }

    RefreshRequest request(Path input, Path output, Map<String, String> options) {
        return new RefreshRequest("starter", input.toString(), "id", "text", output.toString(), 2, "cpu", false, options, false,
                null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRefreshRunsAsASessionJobAndItsTableAndRunRecordAreThoseOfAnyRefresh() throws Exception {
        Path input = tmp.resolve("input");
        DemoDataset.generate(input, 300, 2, 11);
        Path output = tmp.resolve("table");
        try (EmbedflowHome home = EmbedflowHome.open(tmp.resolve("home"));
                SessionClusterFake cluster = SessionClusterFake.start(client, NS, flink)) {
            home.registry().importModel(StarterModel.extractTo(tmp.resolve("model")), StarterModel.NAME);

            RefreshRunner.Outcome outcome = new RefreshRunner(home.metadata(), home.registry())
                    .run(request(input, output, Map.of()), target(), ProgressListener.NONE);

            assertThat(outcome.run().status()).isEqualTo(RunStatus.SUCCEEDED);
            TableManifest manifest = TableManifest.read(output.toString());
            assertThat(manifest.runId()).isEqualTo(outcome.run().id());
            assertThat(manifest.rowCount() + manifest.rejectedCount()).isEqualTo(300);
            assertThat(outcome.metrics().get("rows")).as("the job's accumulators, read from its cluster's REST API")
                    .isEqualTo(manifest.rowCount());
            Map<String, Object> job = cluster.jobSpecs().get(0);
            assertThat(job.get("entryClass")).isEqualTo(EmbeddingRefreshJob.class.getName());
            assertThat((List<Object>) job.get("args")).containsSequence("--run-id", outcome.run().id());
            assertThat(client.genericKubernetesResources(FlinkResources.SESSION_JOBS).inNamespace(NS).list().getItems())
                    .as("the ended job's resource is deleted").isEmpty();
        }
    }

    @Test
    void aJobThatFailsOnTheClusterFailsTheRunWithTheClustersReasonAndCommitsNothing() throws Exception {
        Path input = tmp.resolve("input");
        DemoDataset.generate(input, 200, 2, 12);
        Path output = tmp.resolve("table");
        try (EmbedflowHome home = EmbedflowHome.open(tmp.resolve("home"));
                SessionClusterFake cluster = SessionClusterFake.start(client, NS, flink)) {
            home.registry().importModel(StarterModel.extractTo(tmp.resolve("model")), StarterModel.NAME);
            Map<String, String> failing = Map.of("embedflow.testing.fail-once-after-rows", "20",
                    "embedflow.testing.fail-once-marker", tmp.resolve("failed-once").toString(),
                    "embedflow.restart-attempts", "0");

            assertThatThrownBy(() -> new RefreshRunner(home.metadata(), home.registry())
                    .run(request(input, output, failing), target(), ProgressListener.NONE))
                    .isInstanceOf(OrchestratorException.class)
                    .hasMessageContaining("failed (FlinkSessionJob embedflow/embedflow-refresh-");

            RunRecord run = home.metadata().listRuns(10).get(0);
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.error()).contains("FlinkSessionJob");
            assertThat(Files.exists(output.resolve(TableManifest.FILE_NAME))).isFalse();
        }
    }
}
