package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.beam.refresh.BeamRefreshOptions;
import io.embedflow.beam.refresh.BeamRefreshPipeline;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.files.FileTrees;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.snapshot.SnapshotCache;
import io.embedflow.connectors.snapshot.SnapshotManifest;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * With the registry on S3, a cluster elsewhere gets the store and the snapshot id, not a path of the
 * orchestrator's: its task managers (Flink) and workers (Beam) copy the snapshot into their own cache
 * and verify every file, so that they share nothing with the orchestrator but the bucket.
 */
class ModelStoreIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static S3ProxyServer s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyForTests.start();
    }

    @AfterAll
    static void stopS3() {
        S3ProxyForTests.stop(s3);
    }

    @Test
    void aRemoteClusterCopiesTheSnapshotFromTheStoreAndRefusesADamagedOne() throws Exception {
        Path jar = Path.of(System.getProperty("embedflow.pipeline.jar",
                "../pipelines/flink/target/pipelines-flink-0.1.0-SNAPSHOT-job.jar")).toAbsolutePath();
        assertThat(jar).as("run `mvn verify` (it packages the jar before these tests)").exists();
        String bucket = s3.createBucket();
        String store = "s3://" + bucket + "/embedflow";
        Cli cli = new Cli(tmp.resolve("home"), "--store", store);
        String snapshotId = JSON.readTree(ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(),
                "--name", "tiny", "--json")).out()).get("snapshotId").asText();
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 60, 7);
        Path local = tmp.resolve("local");
        ok(cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id", "--text-column", "body",
                "--output", local.toString(), "--no-progress"));

        Path taskManagerCache = tmp.resolve("task-manager-cache");
        Path remote = tmp.resolve("remote");
        Path damaged = tmp.resolve("damaged");
        Cli.Result failed;
        try (EmbeddedFlink cluster = EmbeddedFlink.start(2)) {
            String[] onCluster = {"embed", "--flink", cluster.restAddress().toString(), "--job-jar", jar.toString(),
                "--parallelism", "2", "--no-progress", "--force", "--job-option", "embedflow.model-cache=" + taskManagerCache,
                "--id-column", "id", "--text-column", "body", "--model", "tiny/1", "--input", input.toString()};
            ok(cli.run(concat(onCluster, "--output", remote.toString())));
            assertThat(taskManagerCache.resolve(snapshotId)).as("the task managers' own verified copy").isDirectory();
            try (Stream<Path> files = Files.list(taskManagerCache.resolve(snapshotId))) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("tiny-dict.pt", "tokenizer.json", "serving.properties");
            }

            // the store's copy of the weights changes under the snapshot: a task manager with an empty cache refuses it
            FileTrees.delete(taskManagerCache);
            String weights = blobOf(TestModels.fixture("tiny-dict"), "tiny-dict.pt");
            s3.client().putObject(b -> b.bucket(bucket).key("embedflow/" + SnapshotCache.blobKey(weights)),
                    RequestBody.fromString("not the weights"));
            failed = cli.run(concat(onCluster, "--output", damaged.toString(), "--job-option", "embedflow.restart-attempts=0"));
        }

        TableManifest manifest = TableManifest.read(remote);
        assertThat(manifest.modelSnapshotId()).isEqualTo(snapshotId);
        JsonNode config = JSON.readTree(JSON.readTree(ok(cli.run("runs", "show", manifest.runId(), "--json")).out())
                .get("config").asText());
        assertThat(config.get("embedflow.model-store").asText()).isEqualTo(store);
        assertThat(config.has("embedflow.model")).as("no path of the orchestrator's").isFalse();
        Map<Object, EmbeddingRow> expected = RestSubmissionIT.byId(EmbeddingTableReader.readAll(local));
        Map<Object, EmbeddingRow> actual = RestSubmissionIT.byId(EmbeddingTableReader.readAll(remote));
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Object id : expected.keySet()) {
            assertThat(EmbedCliIT.maxAbsDiff(expected.get(id).embedding(), actual.get(id).embedding())).isLessThanOrEqualTo(1e-5f);
        }

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.err()).contains("snapshot " + snapshotId + " is damaged: file 'tiny-dict.pt'");
        assertThat(damaged.resolve(TableManifest.FILE_NAME)).doesNotExist();
        assertThat(taskManagerCache.resolve(snapshotId)).as("no copy of a damaged snapshot").doesNotExist();
    }

    @Test
    void theBeamRefreshCopiesTheSnapshotFromTheStoreAndWritesTheSameTable() throws IOException {
        String bucket = s3.createBucket();
        String store = "s3://" + bucket + "/embedflow";
        Cli cli = new Cli(tmp.resolve("home"), "--store", store);
        String snapshotId = JSON.readTree(ok(cli.run("model", "import", TestModels.starter().toString(), "--name", "starter",
                "--json")).out()).get("snapshotId").asText();
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 40, 5);

        Path workerCache = tmp.resolve("worker-cache");
        TableManifest fromStore = beam("--input=" + input, "--output=" + tmp.resolve("from-store"), "--modelStore=" + store,
                "--modelSnapshotId=" + snapshotId, "--modelCache=" + workerCache, "--modelRef=starter/1");
        TableManifest fromDir = beam("--input=" + input, "--output=" + tmp.resolve("from-dir"),
                "--model=" + TestModels.starter(), "--modelSnapshotId=" + snapshotId);
        assertThat(fromStore.modelSnapshotId()).isEqualTo(snapshotId);
        assertThat(fromStore.modelRef()).isEqualTo("starter/1");
        assertThat(workerCache.resolve(snapshotId)).isDirectory();
        Map<Object, EmbeddingRow> expected = RestSubmissionIT.byId(EmbeddingTableReader.readAll(tmp.resolve("from-dir")));
        Map<Object, EmbeddingRow> actual = RestSubmissionIT.byId(EmbeddingTableReader.readAll(tmp.resolve("from-store")));
        assertThat(actual.keySet()).isEqualTo(expected.keySet()).hasSize((int) fromDir.rowCount());
        for (Object id : expected.keySet()) {
            assertThat(EmbedCliIT.maxAbsDiff(expected.get(id).embedding(), actual.get(id).embedding())).isLessThanOrEqualTo(1e-5f);
        }

        // a snapshot the store does not hold fails where the pipeline is built, naming the store
        String unknown = "0".repeat(64);
        assertThatThrownBy(() -> beam("--input=" + input, "--output=" + tmp.resolve("unknown"), "--modelStore=" + store,
                "--modelSnapshotId=" + unknown)).hasMessageContaining("snapshot " + unknown + " not found in " + store);
        assertThatThrownBy(() -> beam("--input=" + input, "--output=" + tmp.resolve("twice"), "--modelStore=" + store,
                "--modelSnapshotId=" + snapshotId, "--model=" + TestModels.starter())).hasMessageContaining("name the model twice");
        assertThat(tmp.resolve("unknown")).doesNotExist();
    }

    private static TableManifest beam(String... args) {
        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        String[] all = Stream.concat(Stream.of("--idColumn=id", "--textColumn=body"), Stream.of(args)).toArray(String[]::new);
        return BeamRefreshPipeline.run(PipelineOptionsFactory.fromArgs(all).as(BeamRefreshOptions.class));
    }

    private static String blobOf(Path model, String file) throws IOException {
        return SnapshotManifest.sha256Hex(Files.readAllBytes(model.resolve(file)));
    }

    private static String[] concat(String[] first, String... more) {
        return Stream.concat(Stream.of(first), Stream.of(more)).toArray(String[]::new);
    }

    private static Cli.Result ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }
}
