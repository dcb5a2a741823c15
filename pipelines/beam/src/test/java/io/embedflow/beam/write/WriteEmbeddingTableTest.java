package io.embedflow.beam.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.TestModels;
import io.embedflow.beam.embed.EmbedTexts;
import io.embedflow.beam.read.TextRowCoder;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.LocalTableLocation;
import io.embedflow.connectors.table.TableManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteEmbeddingTableTest {
    @TempDir
    Path tmp;

    private static List<TextRow> rows(int n) {
        List<TextRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new TextRow(0, "doc-" + i, i % 10 == 0 ? null : "text number " + i, 0, i));
        }
        return rows;
    }

    @Test
    void publishesOneTableWithItsLineageThatTheReaderReadsBack() {
        Path output = tmp.resolve("table");
        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<CommittedTable> committed = pipeline.apply(Create.of(rows(100)).withCoder(TextRowCoder.of()))
                .apply(EmbedTexts.withModel(TestModels.starter().toString()))
                .apply(WriteEmbeddingTable.to(output.toString()).withRunId("run-1").withModelSnapshotId("model-1")
                        .withModelRef("starter/1").withDataSnapshotId("data-1").withIdType(IdType.STRING)
                        .withSourceFiles(List.of("docs.parquet")).withPlannedRows(100));
        PAssert.thatSingleton(committed).satisfies(table -> {
            assertThat(table.runId()).isEqualTo("run-1");
            assertThat(table.rowCount()).isEqualTo(90);
            assertThat(table.rejectedCount()).isEqualTo(10);
            return null;
        });
        pipeline.run().waitUntilFinish();

        TableManifest manifest = new LocalTableLocation(output).readManifest();
        assertThat(manifest.modelSnapshotId()).isEqualTo("model-1");
        assertThat(manifest.dataSnapshotId()).isEqualTo("data-1");
        assertThat(manifest.modelRef()).isEqualTo("starter/1");
        assertThat(manifest.idType()).isEqualTo("STRING");
        assertThat(manifest.files()).allSatisfy(f -> assertThat(f.path()).matches("part-[0-9a-f]{8}-\\d{5}\\.parquet"));
        assertThat(manifest.rejectedFiles()).allSatisfy(f -> assertThat(f.path()).startsWith("_rejected/part-"));
        List<EmbeddingRow> read = EmbeddingTableReader.readAll(output);
        assertThat(read.stream().map(EmbeddingRow::id).collect(Collectors.toSet())).hasSize(90).doesNotContain("doc-0");
        assertThat(RejectedRowReader.readAll(output)).hasSize(10)
                .allSatisfy(r -> assertThat(r.sourceFile()).isEqualTo("docs.parquet"));
    }

    @Test
    void refusesToCommitWhenTheCountsDoNotAddUp() {
        Path output = tmp.resolve("table");
        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        pipeline.apply(Create.of(rows(20)).withCoder(TextRowCoder.of()))
                .apply(EmbedTexts.withModel(TestModels.starter().toString()))
                .apply(WriteEmbeddingTable.to(output.toString()).withRunId("run-2").withModelSnapshotId("m")
                        .withDataSnapshotId("d").withIdType(IdType.STRING).withPlannedRows(21));
        assertThatThrownBy(() -> pipeline.run().waitUntilFinish())
                .hasStackTraceContaining("18 written + 2 rejected rows != 21 input rows");
        assertThat(Files.exists(output.resolve(TableManifest.FILE_NAME))).isFalse();
    }

    @Test
    void configurationErrorsNameTheField() throws Exception {
        assertThatThrownBy(() -> WriteEmbeddingTable.to(null)).isInstanceOf(BeamPipelineException.class)
                .hasMessageContaining("output");
        WriteEmbeddingTable write = WriteEmbeddingTable.to(tmp.resolve("t").toString());
        assertThatThrownBy(() -> write.withRunId("a/b")).hasMessageContaining("runId");
        assertThatThrownBy(() -> write.withModelSnapshotId("")).hasMessageContaining("modelSnapshotId");
        assertThatThrownBy(() -> write.withPlannedRows(-2)).hasMessageContaining("plannedRows");

        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollectionTuple embedded = pipeline.apply(Create.of(rows(2)).withCoder(TextRowCoder.of()))
                .apply(EmbedTexts.withModel(TestModels.starter().toString()));
        assertThatThrownBy(() -> embedded.apply("w1", write.withModelSnapshotId("m").withDataSnapshotId("d")
                .withIdType(IdType.STRING))).hasMessageContaining("runId is required");
        assertThatThrownBy(() -> embedded.apply("w2", write.withRunId("r").withDataSnapshotId("d")
                .withIdType(IdType.STRING))).hasMessageContaining("modelSnapshotId is required");
        assertThatThrownBy(() -> embedded.apply("w3", write.withRunId("r").withModelSnapshotId("m")
                .withIdType(IdType.STRING))).hasMessageContaining("dataSnapshotId is required");
        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("x.txt"), "x");
        assertThatThrownBy(() -> embedded.apply("w4", WriteEmbeddingTable.to(taken.toString()).withRunId("r")
                .withModelSnapshotId("m").withDataSnapshotId("d").withIdType(IdType.STRING)))
                .hasMessageContaining("output").hasMessageContaining("not empty");
    }
}
