package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded pipeline jar, submitted the way {@code flink run} does (job graph built from the jar's
 * main class, shipped with the jar through the REST API), writes the same table as the CLI.
 */
class RestSubmissionIT {
    @TempDir
    Path tmp;

    @Test
    void theShadedJarWritesTheSameTableThroughRest() throws Exception {
        Path jar = Path.of(System.getProperty("embedflow.pipeline.jar",
                "../pipelines/flink/target/pipelines-flink-0.1.0-SNAPSHOT-job.jar")).toAbsolutePath();
        assertThat(jar).as("run `mvn verify` (it packages the jar before these tests)").exists();
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 120, 9);
        Path model = TestModels.fixture("tiny-dict");

        Cli cli = new Cli(tmp.resolve("home"));
        assertThat(cli.run("model", "import", model.toString(), "--name", "tiny").exitCode()).isZero();
        Path viaCli = tmp.resolve("via-cli");
        Cli.Result embedded = cli.run("embed", "--model", "tiny", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", viaCli.toString());
        assertThat(embedded.exitCode()).as(embedded.toString()).isZero();

        Path viaRest = tmp.resolve("via-rest");
        try (EmbeddedFlink cluster = EmbeddedFlink.start(2)) {
            Configuration conf = new Configuration();
            conf.set(RestOptions.ADDRESS, cluster.restAddress().getHost());
            conf.set(RestOptions.PORT, cluster.restAddress().getPort());
            conf.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, List.of("ai.djl."));
            submitJar(jar, conf, input, model, viaRest, "rest-1");
            // a second job on the same cluster: DJL's native libraries must not be loaded twice
            submitJar(jar, conf, input, model, tmp.resolve("via-rest-2"), "rest-2");
        }

        assertThat(TableManifest.read(viaRest).runId()).isEqualTo("rest-1");
        assertThat(TableManifest.read(viaRest).dataSnapshotId()).isEqualTo(TableManifest.read(viaCli).dataSnapshotId());
        Map<Object, EmbeddingRow> expected = byId(EmbeddingTableReader.readAll(viaCli));
        Map<Object, EmbeddingRow> actual = byId(EmbeddingTableReader.readAll(viaRest));
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Object id : expected.keySet()) {
            assertThat(EmbedCliIT.maxAbsDiff(expected.get(id).embedding(), actual.get(id).embedding())).isLessThanOrEqualTo(1e-5f);
            assertThat(actual.get(id).contentHash()).isEqualTo(expected.get(id).contentHash());
        }
        assertThat(Files.exists(viaRest.resolve("_embedflow.json"))).isTrue();
    }

    private static void submitJar(Path jar, Configuration conf, Path input, Path model, Path output, String runId)
            throws Exception {
        PackagedProgram program = PackagedProgram.newBuilder()
                .setJarFile(jar.toFile())
                .setConfiguration(conf)
                .setArguments("--input", input.toString(), "--id-column", "id", "--text-column", "body",
                        "--model", model.toString(), "--output", output.toString(), "--run-id", runId,
                        "--parallelism", "2")
                .build();
        JobGraph graph = PackagedProgramUtils.createJobGraph(program, conf, 2, false);
        assertThat(graph.getUserJars()).extracting(p -> new File(p.toUri()).getName()).contains(jar.getFileName().toString());
        try (RestClusterClient<StandaloneClusterId> client = new RestClusterClient<>(conf, StandaloneClusterId.getInstance())) {
            JobID id = client.submitJob(graph).get();
            JobResult result = client.requestJobResult(id).get();
            assertThat(result.isSuccess()).as(String.valueOf(result.getSerializedThrowable())).isTrue();
        }
        assertThat(TableManifest.read(output).runId()).isEqualTo(runId);
    }

    static Map<Object, EmbeddingRow> byId(List<EmbeddingRow> rows) {
        Map<Object, EmbeddingRow> out = new HashMap<>();
        rows.forEach(r -> out.put(r.id(), r));
        return out;
    }
}
