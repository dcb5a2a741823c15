package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.beam.refresh.BeamRefreshOptions;
import io.embedflow.beam.refresh.BeamRefreshPipeline;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.table.LocalTableLocation;
import io.embedflow.connectors.table.TableManifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same input and model through the Flink job (the CLI's embed) and through the Beam refresh on the DirectRunner. */
class BeamFlinkParityIT {
    @TempDir
    Path tmp;

    @Test
    void flinkAndBeamWriteTheSameTable() {
        // given a dataset of 3 files with null, blank and over-long texts, and the starter model in the registry
        Path input = tmp.resolve("input");
        Map<Long, String> texts = EmbedCliIT.writeDataset(input, 150, 5);
        Cli cli = new Cli(tmp.resolve("home"));
        Cli.Result imported = cli.run("model", "import", TestModels.starter().toString(), "--name", "starter");
        assertThat(imported.exitCode()).as(imported.toString()).isZero();

        // when the Flink job and the Beam pipeline embed it
        Path flinkTable = tmp.resolve("flink-table");
        Cli.Result embed = cli.run("embed", "--model", "starter/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", flinkTable.toString(), "--parallelism", "2");
        assertThat(embed.exitCode()).as(embed.toString()).isZero();
        Path beamTable = tmp.resolve("beam-table");
        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        TableManifest beam = BeamRefreshPipeline.run(PipelineOptionsFactory.fromArgs("--input=" + input, "--idColumn=id",
                "--textColumn=body", "--model=" + TestModels.starter(), "--output=" + beamTable, "--embedParallelism=2",
                "--modelRef=starter/1").as(BeamRefreshOptions.class));

        // then the tables hold the same ids, hashes and vectors, and the same counts
        TableManifest flink = new LocalTableLocation(flinkTable).readManifest();
        assertThat(beam.rowCount()).isEqualTo(flink.rowCount())
                .isEqualTo(texts.values().stream().filter(t -> t != null && !t.isBlank()).count());
        assertThat(beam.rejectedCount()).isEqualTo(flink.rejectedCount()).isPositive();
        assertThat(beam.truncatedCount()).isEqualTo(flink.truncatedCount()).isPositive();
        assertThat(beam.dimension()).isEqualTo(flink.dimension());
        assertThat(beam.dataSnapshotId()).isEqualTo(flink.dataSnapshotId());
        assertThat(beam.idType()).isEqualTo(flink.idType());
        Map<Object, EmbeddingRow> flinkRows = byId(EmbeddingTableReader.readAll(flinkTable));
        Map<Object, EmbeddingRow> beamRows = byId(EmbeddingTableReader.readAll(beamTable));
        assertThat(beamRows.keySet()).isEqualTo(flinkRows.keySet());
        for (Map.Entry<Object, EmbeddingRow> e : beamRows.entrySet()) {
            EmbeddingRow f = flinkRows.get(e.getKey());
            assertThat(e.getValue().contentHash()).isEqualTo(f.contentHash());
            float[] v = e.getValue().embedding();
            assertThat(v).hasSize(f.embedding().length);
            for (int i = 0; i < v.length; i++) {
                assertThat(v[i]).as("id %s [%d]", e.getKey(), i).isCloseTo(f.embedding()[i], Offset.offset(1e-5f));
            }
        }
        assertThat(rejected(beamTable)).isEqualTo(rejected(flinkTable));
    }

    private static Map<Object, EmbeddingRow> byId(List<EmbeddingRow> rows) {
        return rows.stream().collect(Collectors.toMap(EmbeddingRow::id, Function.identity()));
    }

    private static Map<Object, String> rejected(Path table) {
        return RejectedRowReader.readAll(table).stream()
                .collect(Collectors.toMap(RejectedRow::id, r -> r.sourceFile() + ":" + r.row() + ":" + r.reason()));
    }
}
