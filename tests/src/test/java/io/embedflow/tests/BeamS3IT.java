package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.beam.refresh.BeamRefreshOptions;
import io.embedflow.beam.refresh.BeamRefreshPipeline;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Beam refresh reading a dataset from S3 and writing its table to S3 (S3Proxy in this JVM), as the Flink job does. */
class BeamS3IT {
    static S3ProxyServer s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyForTests.start();
    }

    @AfterAll
    static void stopS3() {
        S3ProxyForTests.stop(s3);
    }

    static TableManifest refresh(String input, String output, String... more) {
        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        String[] args = Stream.concat(Stream.of("--input=" + input, "--idColumn=id", "--textColumn=body",
                "--model=" + TestModels.starter(), "--output=" + output, "--embedParallelism=2"), Stream.of(more))
                .toArray(String[]::new);
        return BeamRefreshPipeline.run(PipelineOptionsFactory.fromArgs(args).as(BeamRefreshOptions.class));
    }

    @Test
    void aTableWrittenFromS3ToS3EqualsTheOneWrittenFromDisksAndAFailedRunPublishesNothing() throws IOException {
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 80, 13);
        String bucket = s3.createBucket();
        String s3Input = S3ProxyForTests.upload(s3, input, bucket, "warehouse/docs/");

        TableManifest onS3 = refresh(s3Input, "s3://" + bucket + "/tables/docs/");
        Path local = tmp.resolve("local");
        TableManifest onDisk = refresh(input.toString(), local.toString());

        assertThat(TableManifest.read("s3://" + bucket + "/tables/docs/").runId()).isEqualTo(onS3.runId());
        assertThat(onS3.rowCount()).isEqualTo(onDisk.rowCount()).isPositive();
        assertThat(onS3.rejectedCount()).isEqualTo(onDisk.rejectedCount());
        assertThat(onS3.dataSnapshotId()).as("the same files, whether on S3 or on disk").isNotBlank();
        Map<Object, EmbeddingRow> fromS3 = RestSubmissionIT.byId(EmbeddingTableReader.readAll("s3://" + bucket + "/tables/docs/"));
        Map<Object, EmbeddingRow> fromDisk = RestSubmissionIT.byId(EmbeddingTableReader.readAll(local));
        assertThat(fromS3.keySet()).isEqualTo(fromDisk.keySet());
        for (Object id : fromDisk.keySet()) {
            assertThat(EmbedCliIT.maxAbsDiff(fromDisk.get(id).embedding(), fromS3.get(id).embedding())).as("id " + id)
                    .isLessThanOrEqualTo(1e-5f);
            assertThat(fromS3.get(id).contentHash()).isEqualTo(fromDisk.get(id).contentHash());
        }
        assertThat(RejectedRowReader.readAll("s3://" + bucket + "/tables/docs/"))
                .containsExactlyInAnyOrderElementsOf(RejectedRowReader.readAll(local));
        List<String> keys = s3.client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix("tables/docs/")).contents()
                .stream().map(o -> o.key().substring("tables/docs/".length())).toList();
        assertThat(keys).as("the manifest and the parts it lists, nothing staged left").hasSize(
                1 + onS3.files().size() + onS3.rejectedFiles().size()).contains(TableManifest.FILE_NAME);

        // a repeated id: the run fails and nothing is published under the output
        Path repeated = tmp.resolve("repeated");
        EmbedCliIT.writeDataset(repeated, 20, 3);
        Path first;
        try (Stream<Path> files = Files.list(repeated)) {
            first = files.filter(p -> p.toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
        }
        Files.copy(first, repeated.resolve("copy.parquet"));   // every id of the first file twice
        String s3Repeated = S3ProxyForTests.upload(s3, repeated, bucket, "warehouse/repeated/");
        assertThatThrownBy(() -> refresh(s3Repeated, "s3://" + bucket + "/tables/repeated/"))
                .hasStackTraceContaining("duplicate id");
        assertThat(s3.client().listObjectsV2(b -> b.bucket(bucket).prefix("tables/repeated/")).contents()
                .stream().anyMatch(o -> o.key().endsWith(TableManifest.FILE_NAME))).isFalse();
    }
}
