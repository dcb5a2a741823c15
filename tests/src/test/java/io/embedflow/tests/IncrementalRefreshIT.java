package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `embed --new-version` when only the data changed: the model sees only new and changed rows, the
 * others are kept, and the new version holds exactly what a full re-embedding would.
 */
class IncrementalRefreshIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Cli cli;
    private Path input;
    private Path table;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        input = tmp.resolve("input");
        table = tmp.resolve("table");
    }

    @Test
    void appendingTenPercentAndDeletingFivePercentEmbedsOnlyTheNewAndChangedRows() throws IOException {
        Map<Long, String> texts = EmbedCliIT.writeDataset(input, 200, 61);   // ids 1000..1599 in f0, f1, f2
        Cli.Result first = refresh();
        ok(first);
        assertThat(metrics(TableManifest.read(table).runId()).has("rowsKept")).as("version 1 is embedded in full").isFalse();
        TableManifest v1 = TableManifest.read(table);

        // upstream changes: 5% of the rows deleted from f1, 5 texts of f2 edited, 10% new rows in a new file
        Random random = new Random(7);
        Map<Long, String> f1 = slice(texts, 1200, 1400);
        List<Long> deletable = f1.entrySet().stream().filter(e -> hasText(e.getValue())).map(Map.Entry::getKey).toList();
        Set<Long> deleted = new TreeSet<>();
        while (deleted.size() < 30) {
            deleted.add(deletable.get(random.nextInt(deletable.size())));
        }
        deleted.forEach(f1::remove);
        writeFile(input.resolve("f1.parquet"), f1);
        Map<Long, String> f2 = slice(texts, 1400, 1600);
        List<Long> edited = f2.entrySet().stream().filter(e -> hasText(e.getValue())).map(Map.Entry::getKey).limit(5).toList();
        edited.forEach(id -> f2.put(id, f2.get(id) + " edited"));
        writeFile(input.resolve("f2.parquet"), f2);
        Map<Long, String> added = newRows(5000, 60, random);
        writeFile(input.resolve("f3.parquet"), added);

        Cli.Result second = refresh();
        ok(second);
        TableManifest v2 = TableManifest.read(table);
        assertThat(v2.baseVersion()).isEqualTo(1L);
        JsonNode m = metrics(v2.runId());
        assertThat(m.get("rows").asLong()).as("rows through the model").isEqualTo(added.size() + edited.size());
        assertThat(m.get("rowsNew").asLong()).isEqualTo(added.size());
        assertThat(m.get("rowsChanged").asLong()).isEqualTo(edited.size());
        assertThat(m.get("rowsDropped").asLong()).isEqualTo(deleted.size() + edited.size());
        assertThat(m.get("rowsKept").asLong()).isEqualTo(v1.rowCount() - deleted.size() - edited.size());
        assertThat(v2.rowCount()).isEqualTo(v1.rowCount() - deleted.size() + added.size());
        assertThat(second.out()).contains("kept from version 1");

        // the same table as embedding everything again: ids, vectors, hashes, counts
        Path full = tmp.resolve("full");
        ok(cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id", "--text-column", "body",
                "--output", full.toString(), "--parallelism", "2", "--force"));
        assertSameTable(table, full);
        TableManifest fullManifest = TableManifest.read(full);
        assertThat(v2.truncatedCount()).isEqualTo(fullManifest.truncatedCount()).isPositive();
        assertThat(v2.rejectedCount()).isEqualTo(fullManifest.rejectedCount());
        assertThat(v2.dataSnapshotId()).isEqualTo(fullManifest.dataSnapshotId());

        // version 1 is still whole: an incremental refresh rewrites no file of the version it starts from
        try (TableVersions versions = TableVersions.open(table.toString(), null)) {
            TableManifest again = versions.read(1).manifest();
            assertThat(again.files()).isEqualTo(v1.files());
            for (TableFile f : again.files()) {
                assertThat(Files.size(table.resolve(f.path()))).isEqualTo(f.sizeBytes());
            }
        }

        // appending only: every file of version 2 is kept as it is, nothing copied
        Map<Long, String> more = newRows(7000, 20, random);
        writeFile(input.resolve("f4.parquet"), more);
        ok(refresh());
        TableManifest v3 = TableManifest.read(table);
        assertThat(v3.baseVersion()).isEqualTo(2L);
        assertThat(v3.files()).containsAll(v2.files());
        assertThat(v3.files()).filteredOn(f -> !v2.files().contains(f))
                .allSatisfy(f -> assertThat(f.path()).startsWith(TableVersions.runDirectory(v3.runId())));
        JsonNode m3 = metrics(v3.runId());
        assertThat(m3.get("rows").asLong()).isEqualTo(more.size());
        assertThat(m3.get("filesCarried").asLong()).isEqualTo(v2.files().size());
        assertThat(m3.get("filesRewritten").asLong()).isZero();
        assertThat(v3.rowCount()).isEqualTo(v2.rowCount() + more.size());
        TableManifest runOwn = TableManifest.read(table.resolve(TableVersions.runDirectory(v3.runId())));
        assertThat(runOwn.carried().files()).isEqualTo(v2.files());
        assertThat(v3.truncatedCount()).isEqualTo(v2.truncatedCount() + runOwn.truncatedCount());

        // --full embeds every row again into the next version
        ok(refresh("--full", "--force"));
        TableManifest v4 = TableManifest.read(table);
        assertThat(v4.baseVersion()).isNull();
        assertThat(metrics(v4.runId()).get("rows").asLong()).isEqualTo(v3.rowCount());
        assertThat(v4.files()).allSatisfy(f -> assertThat(f.path()).startsWith(TableVersions.runDirectory(v4.runId())));
    }

    @Test
    void aNewModelSnapshotReEmbedsEveryRow() throws IOException {
        EmbedCliIT.writeDataset(input, 60, 62);
        ok(refresh());
        TableManifest v1 = TableManifest.read(table);
        ok(cli.run("model", "import", TestModels.fixture("tiny-tuple").toString(), "--name", "tiny"));
        Cli.Result second = cli.run("embed", "--model", "tiny/2", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString(), "--new-version");
        ok(second);
        TableManifest v2 = TableManifest.read(table);
        assertThat(v2.modelSnapshotId()).isNotEqualTo(v1.modelSnapshotId());
        assertThat(v2.baseVersion()).isNull();
        assertThat(metrics(v2.runId()).get("rows").asLong()).isEqualTo(v1.rowCount());
        assertThat(v2.files()).allSatisfy(f -> assertThat(f.path()).startsWith(TableVersions.runDirectory(v2.runId())));
    }

    private Cli.Result refresh(String... extra) {
        List<String> args = new ArrayList<>(List.of("embed", "--model", "tiny/1", "--input", input.toString(),
                "--id-column", "id", "--text-column", "body", "--output", table.toString(), "--new-version",
                "--parallelism", "2"));
        args.addAll(List.of(extra));
        return cli.run(args.toArray(String[]::new));
    }

    private JsonNode metrics(String runId) throws IOException {
        return JSON.readTree(cli.run("runs", "show", runId, "--json").out()).get("metrics");
    }

    static void assertSameTable(Path actualTable, Path expectedTable) {
        assertSameTable(actualTable.toString(), expectedTable.toString());
    }

    /** Same ids, content hashes and vectors (within 1e-5); each table a directory or an s3:// prefix. */
    static void assertSameTable(String actualTable, String expectedTable) {
        Map<Object, EmbeddingRow> actual = RestSubmissionIT.byId(EmbeddingTableReader.readAll(actualTable));
        Map<Object, EmbeddingRow> expected = RestSubmissionIT.byId(EmbeddingTableReader.readAll(expectedTable));
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Object id : expected.keySet()) {
            assertThat(actual.get(id).contentHash()).as("hash of %s", id).isEqualTo(expected.get(id).contentHash());
            assertThat(EmbedCliIT.maxAbsDiff(expected.get(id).embedding(), actual.get(id).embedding()))
                    .as("vector of %s", id).isLessThanOrEqualTo(1e-5f);
        }
    }

    private static Map<Long, String> slice(Map<Long, String> texts, long from, long to) {
        Map<Long, String> out = new LinkedHashMap<>();
        texts.forEach((id, text) -> {
            if (id >= from && id < to) {
                out.put(id, text);
            }
        });
        return out;
    }

    private static Map<Long, String> newRows(long firstId, int n, Random random) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + random.nextInt(30);
            for (int w = 0; w < words; w++) {
                sb.append(w == 0 ? "" : " ").append(EmbedCliIT.WORDS[random.nextInt(EmbedCliIT.WORDS.length)]);
            }
            out.put(firstId + i, sb.toString());
        }
        return out;
    }

    /** Replaces {@code file} the way an upstream job would: write elsewhere, then move into place. */
    private static void writeFile(Path file, Map<Long, String> texts) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        int n = 0;
        for (Map.Entry<Long, String> e : texts.entrySet()) {
            Map<String, Object> row = new HashMap<>();
            row.put("id", e.getKey());
            row.put("body", e.getValue());
            row.put("n", n++);
            rows.add(row);
        }
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Parquet.write(temp, EmbedCliIT.SCHEMA, rows);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean hasText(String text) {
        return text != null && !text.isBlank();
    }

    private static void ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }
}
