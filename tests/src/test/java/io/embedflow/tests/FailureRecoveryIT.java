package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failure injected once into an embed subtask is recovered by Flink's restart strategy. */
class FailureRecoveryIT {
    @TempDir
    Path tmp;

    @Test
    void theCommittedTableHoldsEveryRowExactlyOnceAfterARestart() throws IOException {
        Path input = tmp.resolve("input");
        Map<Long, String> texts = EmbedCliIT.writeDataset(input, 300, 5);
        Cli cli = new Cli(tmp.resolve("home"));
        assertThat(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny").exitCode()).isZero();
        Path marker = tmp.resolve("failed-once");
        Path output = tmp.resolve("table");

        Cli.Result result = cli.run("embed", "--model", "tiny", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", output.toString(), "--parallelism", "2",
                "--job-option", "embedflow.testing.fail-once-after-rows=100",
                "--job-option", "embedflow.testing.fail-once-marker=" + marker,
                "--job-option", "embedflow.batch.window-rows=64");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(marker).as("the failure was injected").exists();
        List<Object> ids = new ArrayList<>();
        List<EmbeddingRow> rows = EmbeddingTableReader.readAll(output);
        rows.forEach(r -> ids.add(r.id()));
        RejectedRowReader.readAll(output).forEach(r -> ids.add(r.id()));
        assertThat(ids).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(texts.keySet());

        // only the successful attempts' files are in the table
        TableManifest manifest = TableManifest.read(output);
        List<String> listed = new ArrayList<>();
        manifest.files().stream().map(TableFile::path).forEach(listed::add);
        manifest.rejectedFiles().stream().map(TableFile::path).forEach(listed::add);
        List<String> onDisk;
        try (Stream<Path> files = Files.walk(output)) {
            onDisk = files.filter(Files::isRegularFile).map(p -> output.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals(TableManifest.FILE_NAME)).toList();
        }
        assertThat(onDisk).containsExactlyInAnyOrderElementsOf(listed);
        assertThat(listed).anyMatch(p -> p.matches("part-00000-[1-9]\\.parquet"));
    }
}
