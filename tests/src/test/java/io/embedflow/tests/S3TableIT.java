package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Embedding tables on S3 (S3Proxy in this JVM), through the CLI: the same table as in a directory,
 * data first and manifest last, exactly once after a restart, nothing left by a failed run, never
 * overwritten; lineage, no-op re-runs and replays by s3:// location.
 */
class S3TableIT {
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

    /** Keys and ETags of every object under {@code prefix}, relative to it. */
    static Map<String, String> objects(String bucket, String prefix) {
        Map<String, String> out = new TreeMap<>();
        for (S3Object o : s3.client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            out.put(o.key().substring(prefix.length()), o.eTag());
        }
        return out;
    }

    static List<String> listed(TableManifest manifest) {
        List<String> keys = new ArrayList<>(List.of(TableManifest.FILE_NAME));
        manifest.files().stream().map(TableFile::path).forEach(keys::add);
        manifest.rejectedFiles().stream().map(TableFile::path).forEach(keys::add);
        return keys;
    }

    Cli.Result embed(Cli cli, Path input, String output, String... more) {
        List<String> args = new ArrayList<>(List.of("embed", "--model", "tiny/1", "--input", input.toString(),
                "--id-column", "id", "--text-column", "body", "--output", output, "--parallelism", "2"));
        args.addAll(List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    static JsonNode json(Cli.Result result) throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return RegistryCliIT.JSON.readTree(result.out());
    }

    @Test
    void aTableOnS3EqualsTheSameRunToADirectoryAndIsNeverOverwritten() throws IOException {
        String bucket = s3.createBucket();
        String table = "s3://" + bucket + "/tables/docs/";
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 60, 11);
        Cli cli = new Cli(tmp.resolve("home"));
        assertThat(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny").exitCode()).isZero();

        Cli.Result toS3 = embed(cli, input, table);
        assertThat(toS3.exitCode()).as(toS3.toString()).isZero();
        assertThat(toS3.out()).contains(table);

        // data first, manifest last: exactly the listed objects, each part under the run's own keys
        TableManifest manifest = TableManifest.read(table);
        Map<String, String> stored = objects(bucket, "tables/docs/");
        assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(listed(manifest));
        assertThat(manifest.files()).isNotEmpty()
                .allSatisfy(f -> assertThat(f.path()).startsWith("data/" + manifest.runId() + "/part-"));
        assertThat(manifest.rejectedFiles()).isNotEmpty()
                .allSatisfy(f -> assertThat(f.path()).startsWith("_rejected/" + manifest.runId() + "/part-"));

        // the same model on the same data: nothing to do, judged by the manifest on S3
        Cli.Result noop = embed(cli, input, "s3://" + bucket + "/tables/again/");
        assertThat(noop.exitCode()).as(noop.toString()).isZero();
        assertThat(noop.out()).contains("nothing to do").contains(manifest.runId());
        assertThat(objects(bucket, "tables/again/")).isEmpty();

        // the same run into a directory gives the same table
        Path local = tmp.resolve("local");
        Cli.Result toDir = embed(cli, input, local.toString(), "--force");
        assertThat(toDir.exitCode()).as(toDir.toString()).isZero();
        Map<Object, EmbeddingRow> fromS3 = RestSubmissionIT.byId(EmbeddingTableReader.readAll(table));
        Map<Object, EmbeddingRow> fromDir = RestSubmissionIT.byId(EmbeddingTableReader.readAll(local));
        assertThat(fromS3.keySet()).hasSize(manifest.files().stream().mapToInt(f -> (int) f.rows()).sum())
                .isEqualTo(fromDir.keySet());
        for (Object id : fromDir.keySet()) {
            assertThat(EmbedCliIT.maxAbsDiff(fromDir.get(id).embedding(), fromS3.get(id).embedding())).as("id " + id)
                    .isLessThanOrEqualTo(1e-5f);
            assertThat(fromS3.get(id).contentHash()).isEqualTo(fromDir.get(id).contentHash());
        }
        assertThat(RejectedRowReader.readAll(table)).hasSize((int) manifest.rejectedCount())
                .containsExactlyInAnyOrderElementsOf(RejectedRowReader.readAll(local));

        // a prefix that holds a table is refused before any work, naming it, and nothing changes
        Cli.Result again = embed(cli, input, table, "--force");
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains(table).contains(manifest.runId());
        assertThat(objects(bucket, "tables/docs/")).isEqualTo(stored);

        // lineage and the run record by s3:// location
        JsonNode lineage = json(cli.run("lineage", table, "--json"));
        assertThat(lineage.get("table").asText()).isEqualTo(table);
        assertThat(lineage.at("/run/id").asText()).isEqualTo(manifest.runId());
        assertThat(lineage.at("/run/output").asText()).isEqualTo(table);
        assertThat(lineage.at("/data/snapshotId").asText()).isEqualTo(manifest.dataSnapshotId());
        Cli.Result show = cli.run("runs", "show", manifest.runId());
        assertThat(show.out()).contains(table).contains("SUCCEEDED");

        // a replay goes beside the original on S3
        Cli.Result replay = cli.run("runs", "replay", manifest.runId(), "--no-progress");
        assertThat(replay.exitCode()).as(replay.toString()).isZero();
        String replayTable = "s3://" + bucket + "/tables/docs-replay-" + manifest.runId() + "/";
        assertThat(replay.out()).contains(replayTable);
        assertThat(RestSubmissionIT.byId(EmbeddingTableReader.readAll(replayTable))).isEqualTo(fromS3);
    }

    @Test
    void anIncrementalRefreshOnS3KeepsUnchangedRowsAndEqualsAFullOne() throws IOException {
        String bucket = s3.createBucket();
        String table = "s3://" + bucket + "/tables/versioned/";
        Path input = tmp.resolve("input");
        Map<Long, String> texts = EmbedCliIT.writeDataset(input, 60, 12);
        Cli cli = new Cli(tmp.resolve("home"));
        assertThat(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny").exitCode()).isZero();
        Cli.Result first = embed(cli, input, table, "--new-version");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        TableManifest v1 = TableManifest.read(table);

        // f0 is rewritten without its first ten rows; f3 is new
        List<Map<String, Object>> f0 = new ArrayList<>();
        List<Map<String, Object>> f3 = new ArrayList<>();
        texts.forEach((id, text) -> {
            if (id >= 1010 && id < 1060) {
                f0.add(Map.of("id", id, "body", text == null ? "" : text, "n", (int) (id - 1000)));
            }
        });
        for (long id = 9000; id < 9012; id++) {
            f3.add(Map.of("id", id, "body", "new row " + id, "n", 0));
        }
        Parquet.write(tmp.resolve("f0.tmp"), EmbedCliIT.SCHEMA, f0);
        java.nio.file.Files.move(tmp.resolve("f0.tmp"), input.resolve("f0.parquet"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Parquet.write(input.resolve("f3.parquet"), EmbedCliIT.SCHEMA, f3);

        Cli.Result second = embed(cli, input, table, "--new-version");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        TableManifest v2 = TableManifest.read(table);
        assertThat(v2.baseVersion()).isEqualTo(1L);
        JsonNode metrics = json(cli.run("runs", "show", v2.runId(), "--json")).get("metrics");
        // only the new rows reach the model (a null text written back as "" is rejected either way)
        assertThat(metrics.get("rows").asLong()).isEqualTo(f3.size());
        assertThat(metrics.get("rowsKept").asLong()).isEqualTo(v2.rowCount() - f3.size());

        Path local = tmp.resolve("full");
        assertThat(embed(cli, input, local.toString(), "--force").exitCode()).isZero();
        IncrementalRefreshIT.assertSameTable(table, local.toString());
        assertThat(v2.rejectedCount()).isEqualTo(TableManifest.read(local).rejectedCount());
        // the first version is untouched and still readable
        try (TableVersions versions = TableVersions.open(table, S3Settings.fromEnvironment())) {
            assertThat(versions.read(1).manifest().files()).isEqualTo(v1.files());
            assertThat(EmbeddingTableReader.readAll(table)).hasSize((int) v2.rowCount());
        }
    }

    @Test
    void aRestartGivesAnExactlyOnceTableAndAFailedRunLeavesNothing() throws IOException {
        String bucket = s3.createBucket();
        Path input = tmp.resolve("input");
        Map<Long, String> texts = EmbedCliIT.writeDataset(input, 100, 12);
        Cli cli = new Cli(tmp.resolve("home"));
        assertThat(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny").exitCode()).isZero();

        String table = "s3://" + bucket + "/tables/restarted/";
        Cli.Result restarted = embed(cli, input, table,
                "--job-option", "embedflow.testing.fail-once-after-rows=60",
                "--job-option", "embedflow.testing.fail-once-marker=" + tmp.resolve("failed-once"),
                "--job-option", "embedflow.batch.window-rows=32");
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        assertThat(tmp.resolve("failed-once")).as("the failure was injected").exists();
        List<Object> ids = new ArrayList<>();
        EmbeddingTableReader.readAll(table).forEach(r -> ids.add(r.id()));
        RejectedRowReader.readAll(table).forEach(r -> ids.add(r.id()));
        assertThat(ids).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(texts.keySet());
        TableManifest manifest = TableManifest.read(table);
        assertThat(objects(bucket, "tables/restarted/").keySet()).containsExactlyInAnyOrderElementsOf(listed(manifest));
        assertThat(manifest.files()).anyMatch(f -> f.path().matches("data/" + manifest.runId() + "/part-00000-[1-9]\\.parquet"));

        // no restarts allowed: the run fails, and neither a manifest nor any uploaded part is left
        String failing = "s3://" + bucket + "/tables/failed/";
        Cli.Result failed = embed(cli, input, failing, "--force",
                "--job-option", "embedflow.restart-attempts=0",
                "--job-option", "embedflow.testing.fail-once-after-rows=90",
                "--job-option", "embedflow.testing.fail-once-marker=" + tmp.resolve("failed-for-good"),
                "--job-option", "embedflow.batch.window-rows=32");
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.err()).contains("injected failure");
        assertThat(objects(bucket, "tables/failed/")).isEmpty();
        try (MetadataStore metadata = MetadataStore.openSqlite(tmp.resolve("home/embedflow.db"))) {
            assertThat(metadata.listRuns(1).get(0).status()).isEqualTo(RunStatus.FAILED);
            assertThat(metadata.listRuns(1).get(0).outputPath()).isEqualTo(failing);
        }
    }
}
