package io.embedflow.beam.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.beam.Datasets;
import io.embedflow.beam.TestModels;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.table.TableManifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same refresh on Beam's embedded Flink 1.19 (parallelism 2) and on the DirectRunner writes the same table. */
class FlinkRunnerParityIT {
    @TempDir
    Path tmp;

    @Test
    void theFlinkRunnersTableEqualsTheDirectRunners() {
        Path input = tmp.resolve("input");
        Map<Long, String> texts = Datasets.write(input, 3, 80, 21, 1);
        String[] common = {"--input=" + input, "--idColumn=id", "--textColumn=body", "--model=" + TestModels.starter(),
                "--windowRows=64", "--maxBatchRows=16"};

        TableManifest onFlink = FlinkRefreshPipeline.run(with(common, "--runner=FlinkRunner", "--flinkMaster=[local]",
                "--parallelism=2", "--embedParallelism=2", "--output=" + tmp.resolve("flink"), "--runId=flink-1"));
        TableManifest direct = FlinkRefreshPipeline.run(with(common, "--runner=DirectRunner",
                "--output=" + tmp.resolve("direct"), "--runId=direct-1"));

        assertThat(onFlink.rowCount()).isEqualTo(direct.rowCount())
                .isEqualTo(texts.values().stream().filter(t -> t != null && !t.isBlank()).count());
        assertThat(onFlink.rejectedCount()).isEqualTo(direct.rejectedCount()).isPositive();
        assertThat(onFlink.truncatedCount()).isEqualTo(direct.truncatedCount()).isPositive();
        assertThat(onFlink.dataSnapshotId()).isEqualTo(direct.dataSnapshotId());
        assertThat(onFlink.modelSnapshotId()).isEqualTo(direct.modelSnapshotId());
        Map<Object, EmbeddingRow> flinkRows = byId(EmbeddingTableReader.readAll(tmp.resolve("flink")));
        Map<Object, EmbeddingRow> directRows = byId(EmbeddingTableReader.readAll(tmp.resolve("direct")));
        assertThat(flinkRows.keySet()).isEqualTo(directRows.keySet());
        for (Map.Entry<Object, EmbeddingRow> e : flinkRows.entrySet()) {
            EmbeddingRow other = directRows.get(e.getKey());
            assertThat(e.getValue().contentHash()).isEqualTo(other.contentHash());
            float[] a = e.getValue().embedding();
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isCloseTo(other.embedding()[i], Offset.offset(1e-5f));
            }
        }
    }

    private static String[] with(String[] common, String... more) {
        String[] all = java.util.Arrays.copyOf(common, common.length + more.length);
        System.arraycopy(more, 0, all, common.length, more.length);
        return all;
    }

    private static Map<Object, EmbeddingRow> byId(List<EmbeddingRow> rows) {
        return rows.stream().collect(Collectors.toMap(EmbeddingRow::id, Function.identity()));
    }
}
