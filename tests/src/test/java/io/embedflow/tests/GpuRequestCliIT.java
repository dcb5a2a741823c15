package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embed --device gpu} on a machine without a GPU: the job asks for GPUs, finds none on the
 * embedded cluster's task manager, and every embed subtask falls back to the CPU with the same
 * vectors as a CPU run; the request is kept in the run record.
 */
class GpuRequestCliIT {
    @TempDir
    Path tmp;

    @Test
    void gpuRequestFallsBackToCpuWithTheSameVectorsAndIsRecorded() throws IOException {
        Cli cli = new Cli(tmp.resolve("home"));
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 120, 11);

        Path cpu = tmp.resolve("cpu");
        Cli.Result onCpu = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", cpu.toString(), "--parallelism", "2");
        assertThat(onCpu.exitCode()).as(onCpu.toString()).isZero();

        Path gpu = tmp.resolve("gpu");
        Cli.Result onGpu = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", gpu.toString(), "--parallelism", "2", "--device", "gpu",
                "--subtasks-per-gpu", "2", "--force");
        assertThat(onGpu.exitCode()).as(onGpu.toString()).isZero();

        Map<Object, EmbeddingRow> expected = RestSubmissionIT.byId(EmbeddingTableReader.readAll(cpu));
        Map<Object, EmbeddingRow> actual = RestSubmissionIT.byId(EmbeddingTableReader.readAll(gpu));
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<Object, EmbeddingRow> row : expected.entrySet()) {
            assertThat(actual.get(row.getKey()).embedding()).as("id %s", row.getKey())
                    .containsExactly(row.getValue().embedding(), org.assertj.core.data.Offset.offset(1e-5f));
        }

        JsonNode run = RegistryCliIT.JSON.readTree(
                cli.run("runs", "show", TableManifest.read(gpu).runId(), "--json").out());
        assertThat(run.toString()).contains("embedflow.gpu.subtasks-per-gpu").contains("gpu");
    }

    @Test
    void subtasksPerGpuBelowOneIsAUsageError() {
        Cli cli = new Cli(tmp.resolve("home"));
        Cli.Result bad = cli.run("embed", "--model", "tiny/1", "--input", tmp.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("out").toString(), "--device", "gpu",
                "--subtasks-per-gpu", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--subtasks-per-gpu must be at least 1");
        assertThat(tmp.resolve("out")).doesNotExist();
    }
}
