package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `embed --new-version`: one table location, refreshed in place by versions, readers always on the newest. */
class VersionedTableIT {
    @TempDir
    Path tmp;

    @Test
    void aRefreshAddsAVersionThatReadersSeeWholeAndTheOldOneStaysReadable() throws IOException {
        Cli cli = new Cli(tmp.resolve("home"));
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        Path input = tmp.resolve("input");
        Map<Long, String> first = EmbedCliIT.writeDataset(input, 60, 51);
        Path table = tmp.resolve("table");

        Cli.Result created = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString());
        assertThat(created.exitCode()).as(created.toString()).isZero();
        String firstRun = TableManifest.read(table).runId();

        // without --new-version an existing table is never touched
        Cli.Result refused = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString(), "--force");
        assertThat(refused.exitCode()).isEqualTo(1);

        // new data: the same ids 1000.. again plus more rows, other texts
        Map<Long, String> second = EmbedCliIT.writeDataset(tmp.resolve("input2"), 80, 52);
        Files.walk(tmp.resolve("input2")).filter(Files::isRegularFile).forEach(f -> {
            try {
                Files.copy(f, input.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Cli.Result updated = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString(), "--new-version");
        assertThat(updated.exitCode()).as(updated.toString()).isZero();

        TableManifest now = TableManifest.read(table);
        assertThat(now.runId()).isNotEqualTo(firstRun);
        assertThat(now.rowCount() + now.rejectedCount()).isEqualTo(second.size());
        assertThat(now.files()).allSatisfy(f -> assertThat(f.path()).startsWith(TableVersions.runDirectory(now.runId())));
        Map<Object, EmbeddingRow> rows = RestSubmissionIT.byId(EmbeddingTableReader.readAll(table));
        assertThat(rows).hasSize((int) now.rowCount());
        try (TableVersions versions = TableVersions.open(table.toString(), null)) {
            assertThat(versions.numbers()).containsExactly(1L, 2L);
            assertThat(versions.read(1).manifest().runId()).isEqualTo(firstRun);
            assertThat(versions.read(1).manifest().rowCount() + versions.read(1).manifest().rejectedCount())
                    .isEqualTo(first.size());
        }

        // the same work again: nothing to do, no version 3
        Cli.Result noop = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString(), "--new-version");
        assertThat(noop.exitCode()).as(noop.toString()).isZero();
        assertThat(noop.out()).contains("nothing to do");
        try (TableVersions versions = TableVersions.open(table.toString(), null)) {
            assertThat(versions.numbers()).containsExactly(1L, 2L);
        }
        Cli.Result lineage = cli.run("lineage", table.toString());
        assertThat(lineage.exitCode()).as(lineage.toString()).isZero();
        assertThat(lineage.out()).contains(now.runId());
    }
}
