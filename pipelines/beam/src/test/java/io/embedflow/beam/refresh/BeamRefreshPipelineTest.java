package io.embedflow.beam.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.beam.Datasets;
import io.embedflow.beam.TestModels;
import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeamRefreshPipelineTest {
    @TempDir
    Path tmp;

    static BeamRefreshOptions options(String... args) {
        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        return PipelineOptionsFactory.fromArgs(args).withValidation().as(BeamRefreshOptions.class);
    }

    @Test
    void embedsTheDatasetIntoOneTableWhoseManifestCountsMatch() {
        // given a dataset of 3 files with null, blank and long texts
        Path input = tmp.resolve("input");
        Map<Long, String> texts = Datasets.write(input, 3, 120, 11, 1);
        Path output = tmp.resolve("table");

        // when the refresh runs on the DirectRunner
        TableManifest manifest = BeamRefreshPipeline.run(options("--input=" + input, "--idColumn=id",
                "--textColumn=body", "--model=" + TestModels.starter(), "--output=" + output, "--runId=beam-test-1",
                "--modelRef=starter/1", "--embedParallelism=2", "--windowRows=64", "--maxBatchRows=16"));

        // then every row is in the table or among the rejected rows, once, and the manifest says so
        List<EmbeddingRow> rows = EmbeddingTableReader.readAll(output);
        List<RejectedRow> rejected = RejectedRowReader.readAll(output);
        long withText = texts.values().stream().filter(t -> t != null && !t.isBlank()).count();
        assertThat(rows).hasSize((int) withText);
        assertThat(rejected).hasSize(texts.size() - (int) withText);
        assertThat(manifest.rowCount()).isEqualTo(withText);
        assertThat(manifest.rejectedCount()).isEqualTo(rejected.size());
        assertThat(manifest.runId()).isEqualTo("beam-test-1");
        assertThat(manifest.modelRef()).isEqualTo("starter/1");
        assertThat(manifest.modelSnapshotId()).startsWith("dir-sha256:");
        assertThat(manifest.idType()).isEqualTo("INT64");
        assertThat(manifest.truncatedCount()).isGreaterThan(0);
        assertThat(rows.stream().map(EmbeddingRow::id).collect(Collectors.toSet())).hasSize(rows.size());
        for (RejectedRow r : rejected) {
            String text = texts.get((Long) r.id());
            assertThat(r.reason()).isEqualTo(text == null ? "null text" : "empty text");
            assertThat(r.sourceFile()).matches("f[0-2]\\.parquet");
        }
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.starter()), DeviceRequest.CPU)) {
            assertThat(manifest.dimension()).isEqualTo(embedder.dimension());
            for (EmbeddingRow row : rows.subList(0, 40)) {
                String text = texts.get((Long) row.id());
                assertThat(row.contentHash()).isEqualTo(ContentHash.of(text));
                float[] want = embedder.embedText(text);
                for (int i = 0; i < want.length; i++) {
                    assertThat(row.embedding()[i]).isCloseTo(want[i], Offset.offset(1e-5f));
                }
            }
        }
        assertThat(siblings(output)).as("no staging directory is left beside the table").containsExactly("table");
    }

    @Test
    void aRepeatedIdFailsTheRunAndCommitsNothing() {
        // given two files that both hold id 7
        Path input = tmp.resolve("input");
        Datasets.writeFile(input.resolve("a.parquet"), Datasets.SCHEMA, List.of(new Object[] {5L, "five"},
                new Object[] {7L, "seven"}));
        Datasets.writeFile(input.resolve("b.parquet"), Datasets.SCHEMA, List.of(new Object[] {6L, "six"},
                new Object[] {7L, "seven again"}));
        Path output = tmp.resolve("table");

        assertThatThrownBy(() -> BeamRefreshPipeline.run(options("--input=" + input, "--idColumn=id",
                "--textColumn=body", "--model=" + TestModels.starter(), "--output=" + output)))
                .hasStackTraceContaining("duplicate id '7' in a.parquet row 1 and b.parquet row 1");
        assertThat(output.resolve(TableManifest.FILE_NAME)).doesNotExist();
        assertThat(siblings(output)).as("the staged parts are removed").isEmpty();

        // and with allowDuplicateIds both rows are embedded
        TableManifest manifest = BeamRefreshPipeline.run(options("--input=" + input, "--idColumn=id",
                "--textColumn=body", "--model=" + TestModels.starter(), "--output=" + output, "--allowDuplicateIds"));
        assertThat(manifest.rowCount()).isEqualTo(4);
    }

    @Test
    void badInputFailsBeforeAnythingRunsNamingTheColumnAndFile() {
        Path input = tmp.resolve("input");
        Datasets.write(input, 1, 10, 12, 1);
        assertThatThrownBy(() -> BeamRefreshPipeline.run(options("--input=" + input, "--idColumn=id",
                "--textColumn=text", "--model=" + TestModels.starter(), "--output=" + tmp.resolve("table"))))
                .hasMessageContaining("'text'").hasMessageContaining("f0.parquet");
        assertThatThrownBy(() -> BeamRefreshPipeline.run(options("--input=" + input, "--idColumn=id",
                "--textColumn=body", "--model=" + TestModels.starter(), "--output=" + input.resolve("out"))))
                .hasMessageContaining("must not be inside the input");
        assertThatThrownBy(() -> BeamRefreshPipeline.run(options("--input=" + input, "--idColumn=id",
                "--textColumn=body", "--model=" + TestModels.starter(), "--output=" + tmp.resolve("t2"),
                "--maxBatchRows=0"))).hasMessageContaining("--maxBatchRows");
    }

    private static List<String> siblings(Path output) {
        try (Stream<Path> files = Files.list(output.getParent())) {
            List<String> names = new ArrayList<>();
            files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("input")).forEach(names::add);
            return names;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
