package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spine, end to end through the CLI on the embedded Flink cluster. */
class EmbedCliIT {
    static final String SCHEMA = "message t { required int64 id; optional binary body (STRING); optional int32 n; }";
    static final String[] WORDS = ("the river runs through old city data table model vector search query user order product "
            + "price customer market zyxq unknownish quickly").split(" ");

    @TempDir
    Path tmp;

    /** Writes 3 files of rows; returns id -> text (null for null text). */
    static Map<Long, String> writeDataset(Path dir, int rowsPerFile, long seed) {
        return writeDataset(dir, rowsPerFile, seed, 1000);
    }

    /** As {@link #writeDataset(Path, int, long)}, with ids from {@code firstId}. */
    static Map<Long, String> writeDataset(Path dir, int rowsPerFile, long seed, long firstId) {
        Map<Long, String> texts = new LinkedHashMap<>();
        Random random = new Random(seed);
        long id = firstId;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        for (int f = 0; f < 3; f++) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < rowsPerFile; i++) {
                String text;
                int kind = random.nextInt(100);
                if (kind == 0) {
                    text = null;
                } else if (kind == 1) {
                    text = "";
                } else if (kind == 2) {
                    text = "   ";
                } else {
                    int n = kind < 5 ? 150 + random.nextInt(100) : 1 + random.nextInt(40);
                    StringBuilder sb = new StringBuilder();
                    for (int w = 0; w < n; w++) {
                        sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
                    }
                    text = sb.toString();
                }
                Map<String, Object> row = new HashMap<>();
                row.put("id", id);
                row.put("body", text);
                row.put("n", i);
                rows.add(row);
                texts.put(id, text);
                id++;
            }
            Parquet.write(dir.resolve("f" + f + ".parquet"), SCHEMA, rows);
        }
        return texts;
    }

    static Map<Path, String> fingerprint(Path dir) throws IOException {
        Map<Path, String> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(f, ContentHash.of(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)));
            }
        }
        return out;
    }

    @Test
    void embedsEveryRowOnceWithTheSameVectorsAsTheModelAloneAndRecordsLineage() throws IOException {
        Path input = tmp.resolve("input");
        Map<Long, String> texts = writeDataset(input, 400, 1);
        Map<Path, String> before = fingerprint(input);
        Cli cli = new Cli(tmp.resolve("home"));

        Cli.Result imported = cli.run("model", "import", TestModels.starter().toString(), "--name", "starter");
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
        assertThat(imported.out().trim()).isEqualTo("starter/1");
        assertThat(cli.run("model", "import", TestModels.starter().toString(), "--name", "starter").out().trim())
                .isEqualTo("starter/1");

        Path output = tmp.resolve("table");
        Cli.Result embed = cli.run("embed", "--model", "starter/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", output.toString(), "--parallelism", "2");
        assertThat(embed.exitCode()).as(embed.toString()).isZero();
        assertThat(fingerprint(input)).as("inputs are never modified").isEqualTo(before);

        // every input row exactly once, in the table or in _rejected
        List<EmbeddingRow> rows = EmbeddingTableReader.readAll(output);
        List<RejectedRow> rejected = RejectedRowReader.readAll(output);
        List<Object> seen = new ArrayList<>();
        rows.forEach(r -> seen.add(r.id()));
        rejected.forEach(r -> seen.add(r.id()));
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(texts.keySet());
        long blank = texts.values().stream().filter(t -> t == null || t.isBlank()).count();
        assertThat(rejected).hasSize((int) blank).allSatisfy(r -> {
            String text = texts.get((Long) r.id());
            assertThat(r.reason()).isEqualTo(text == null ? "null text" : "empty text");
            assertThat(r.sourceFile()).matches("f[0-2]\\.parquet");
        });

        // vectors equal the model run directly, one text at a time
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.starter()), DeviceRequest.CPU)) {
            long truncated = 0;
            for (EmbeddingRow row : rows) {
                String text = texts.get((Long) row.id());
                float[] alone = embedder.embedText(text);
                assertThat(maxAbsDiff(alone, row.embedding())).as("id " + row.id()).isLessThanOrEqualTo(1e-5f);
                assertThat(row.contentHash()).isEqualTo(ContentHash.of(text));
                if (embedder.tokenizer().encode(text).truncated()) {
                    truncated++;
                }
            }
            TableManifest manifest = TableManifest.read(output);
            assertThat(manifest.truncatedCount()).isEqualTo(truncated).isPositive();
            assertThat(manifest.rowCount()).isEqualTo(rows.size());
            assertThat(manifest.rejectedCount()).isEqualTo(blank);
            assertThat(manifest.dimension()).isEqualTo(128);
            assertThat(manifest.modelRef()).isEqualTo("starter/1");
            assertThat(manifest.dataSnapshotId()).isEqualTo(ShardPlanner.plan(input, "id", "body").snapshot().id());

            try (MetadataStore metadata = MetadataStore.openSqlite(tmp.resolve("home/embedflow.db"))) {
                assertThat(manifest.modelSnapshotId())
                        .isEqualTo(metadata.findModelVersion("starter", 1).orElseThrow().snapshotId());
                RunRecord run = metadata.findRun(manifest.runId()).orElseThrow();
                assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(run.modelRef()).isEqualTo("starter/1");
                assertThat(run.modelSnapshotId()).isEqualTo(manifest.modelSnapshotId());
                assertThat(run.dataSnapshotId()).isEqualTo(manifest.dataSnapshotId());
                assertThat(run.rowsIn()).isEqualTo(texts.size());
                assertThat(run.rowsOut()).isEqualTo(rows.size());
                assertThat(run.rowsRejected()).isEqualTo(blank);
                assertThat(run.rowsTruncated()).isEqualTo(truncated);
                assertThat(run.codeVersion()).isNotBlank();
                assertThat(run.rowsPerSecond()).isPositive();
            }
        }
        assertThat(embed.out()).contains(output.toString()).contains(manifest(output).runId());

        Cli.Result runs = cli.run("runs");
        assertThat(runs.exitCode()).isZero();
        assertThat(runs.out()).contains(manifest(output).runId()).contains("SUCCEEDED");
        Cli.Result show = cli.run("runs", "show", manifest(output).runId());
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.out()).contains(manifest(output).dataSnapshotId()).contains(manifest(output).modelSnapshotId());
        var metrics = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(cli.run("runs", "show", manifest(output).runId(), "--json").out()).get("metrics");
        assertThat(metrics.get("rows").asLong()).isEqualTo(rows.size());
        assertThat(metrics.get("tokens").asLong()).isPositive();
        assertThat(metrics.get("batchFill").asDouble()).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
        assertThat(metrics.get("forwardSeconds").asDouble()).isPositive();
        assertThat(metrics.get("modelBusy").asDouble()).isGreaterThan(0).isLessThanOrEqualTo(1.0);

        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("staging"));
        }
    }

    static TableManifest manifest(Path table) {
        return TableManifest.read(table);
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static Set<Object> ids(Path table) {
        Set<Object> out = new HashSet<>();
        EmbeddingTableReader.readAll(table).forEach(r -> out.add(r.id()));
        return out;
    }
}
