package io.embedflow.orchestrator.submit.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.cli.Main;
import io.embedflow.orchestrator.demo.DemoDataset;
import io.embedflow.orchestrator.demo.StarterModel;
import io.embedflow.orchestrator.gang.k8s.MockServerClientProperties;
import io.embedflow.orchestrator.gang.k8s.MockServerLogs;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embedflow embed --flink-deployment}: the CLI connects to the Kubernetes API the standard
 * way (here: the client's system properties, pointing at the mock server) and runs the refresh as a
 * FlinkSessionJob on the session cluster.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesCliTest {

    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path tmp;

    @BeforeEach
    void pointTheClientAtTheMockServer() {
        MockServerLogs.quiet();
        MockServerClientProperties.pointAt(client, "embedflow");
    }

    @AfterEach
    void clearClientProperties() {
        MockServerClientProperties.clear();
    }

    record Result(int exit, String out, String err) {
    }

    Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void embedRunsAsASessionJobInTheClientsNamespace() throws Exception {
        String home = tmp.resolve("home").toString();
        Path input = tmp.resolve("input");
        DemoDataset.generate(input, 120, 2, 5);
        Path output = tmp.resolve("table");
        assertThat(cli("--home", home, "model", "import", StarterModel.extractTo(tmp.resolve("model")).toString(),
                "--name", "starter").exit()).isZero();

        try (EmbeddedFlink flink = EmbeddedFlink.start(1);
                SessionClusterFake cluster = SessionClusterFake.start(client, "embedflow", flink)) {
            Result embed = cli("--home", home, "embed", "--model", "starter", "--input", input.toString(), "--id-column", "id",
                    "--text-column", "text", "--output", output.toString(), "--no-progress",
                    "--flink-deployment", "embedflow-flink", "--job-jar-uri", "s3://artifacts/embedflow-pipelines-flink-job.jar");

            assertThat(embed.exit()).as(embed.err()).isZero();
            TableManifest manifest = TableManifest.read(output.toString());
            assertThat(manifest.rowCount() + manifest.rejectedCount()).isEqualTo(120);
            Map<String, Object> job = cluster.jobSpecs().get(0);
            assertThat(job.get("jarURI")).isEqualTo("s3://artifacts/embedflow-pipelines-flink-job.jar");
            assertThat(job.get("args")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                    .containsSequence("--output", output.toString());
        }
    }

    @Test
    void contradictoryOrIncompleteTargetsAreRefusedNamingTheFlags() {
        Result both = cli("--home", tmp.resolve("home").toString(), "serve", "--flink", "http://flink:8081",
                "--flink-deployment", "embedflow/embedflow-flink");
        assertThat(both.exit()).isNotZero();
        assertThat(both.err()).contains("choose one of --flink, --flink-deployment and --flink-application-template");

        Result noSlots = cli("--home", tmp.resolve("home").toString(), "serve", "--flink-application-template",
                "../k8s/base/flink/application-template.yaml");
        assertThat(noSlots.exit()).isNotZero();
        assertThat(noSlots.err()).contains("--flink-application-template needs --slots");
    }

    @Test
    void theCommittedApplicationTemplatesAreOnesServeAccepts() {
        for (String file : new String[] {"../k8s/base/flink/application-template.yaml",
                "../k8s/overlays/gpu/flink-application-gpu.yaml"}) {
            assertThat(KubernetesFlinkOptions.readTemplate(Path.of(file)).getKind()).as(file).isEqualTo("FlinkDeployment");
        }
    }
}
