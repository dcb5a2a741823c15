package io.embedflow.beam.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.Datasets;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.DatasetPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadShardsTest {
    @TempDir
    Path tmp;

    @Test
    void readsEveryRowOfAMultiFileDatasetOnce() {
        // given 3 files of 300 rows, each in several row groups
        Path input = tmp.resolve("input");
        Map<Long, String> texts = Datasets.write(input, 3, 300, 3, 1);
        ReadShards read = ReadShards.from(input.toString()).withIdColumn("id").withTextColumn("body").withParallelism(2);
        DatasetPlan plan = read.plan();
        assertThat(plan.shards().size()).as("several shards per file").isGreaterThan(3);
        List<TextRow> expected = new ArrayList<>();
        long id = 1;
        for (int f = 0; f < 3; f++) {
            for (int r = 0; r < 300; r++, id++) {
                expected.add(new TextRow(id, null, texts.get(id), f, r));
            }
        }

        // when read
        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<TextRow> rows = pipeline.apply(read);

        // then every row comes once, with its file and row (null texts included)
        PAssert.that(rows).containsInAnyOrder(expected);
        pipeline.run().waitUntilFinish();
    }

    @Test
    void readsOnlyThePartitionsTheFilterKeeps() {
        Path input = tmp.resolve("parts");
        Map<Long, String> day1 = Datasets.write(input.resolve("day=1"), 1, 50, 4, 1);
        Datasets.write(input.resolve("day=2"), 1, 50, 5, 100);

        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<TextRow> rows = pipeline.apply(ReadShards.from(input.toString()).withIdColumn("id")
                .withTextColumn("body").withWhere(List.of("day=1")));

        PAssert.that(rows).satisfies(read -> {
            List<Long> ids = new ArrayList<>();
            read.forEach(r -> ids.add(r.idLong));
            assertThat(ids).containsExactlyInAnyOrderElementsOf(day1.keySet());
            return null;
        });
        pipeline.run().waitUntilFinish();
    }

    @Test
    void aMissingTextColumnFailsNamingTheColumnAndTheFile() {
        Path input = tmp.resolve("input");
        Datasets.write(input, 2, 10, 6, 1);
        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);

        assertThatThrownBy(() -> pipeline.apply(ReadShards.from(input.toString()).withIdColumn("id")
                .withTextColumn("content")))
                .isInstanceOf(ConnectorException.class)
                .hasMessageContaining("'content'")
                .hasMessageContaining("f0.parquet");
    }

    @Test
    void configurationErrorsNameTheField() {
        assertThatThrownBy(() -> ReadShards.from("")).isInstanceOf(BeamPipelineException.class).hasMessageContaining("location");
        ReadShards read = ReadShards.from(tmp.toString());
        assertThatThrownBy(() -> read.withIdColumn(null)).hasMessageContaining("idColumn");
        assertThatThrownBy(() -> read.withTextColumn(" ")).hasMessageContaining("textColumn");
        assertThatThrownBy(() -> read.withParallelism(-1)).hasMessageContaining("parallelism");
        assertThatThrownBy(() -> read.withWhere(List.of("no-equals-sign"))).hasMessageContaining("where");
        assertThatThrownBy(read::plan).hasMessageContaining("idColumn is required");
        assertThatThrownBy(() -> read.withIdColumn("id").plan()).hasMessageContaining("textColumn is required");
    }
}
