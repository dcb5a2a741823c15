package io.embedflow.connectors.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.InputFiles;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.io.ObjectInputFile;
import io.embedflow.connectors.io.PrefetchedInputFile;
import io.embedflow.connectors.parquet.ShardReader;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.store.AccessDeniedException;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStoreException;
import io.embedflow.connectors.store.ObjectStores;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** Parquet datasets on S3 (S3Proxy): Hive partitions, footers, shards read by ranged reads. */
class S3DatasetTest {
  static S3ProxyServer s3;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    s3 = S3ProxyServer.start();
    System.setProperty("aws.accessKeyId", S3ProxyServer.IDENTITY);
    System.setProperty("aws.secretAccessKey", S3ProxyServer.CREDENTIAL);
  }

  @AfterAll
  static void stop() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    s3.close();
  }

  /** A partitioned dataset, locally under {@code dir} and under {@code s3://bucket/table/}. */
  private String upload(String bucket) throws IOException {
    InputFiles.writeDocs(dir.resolve("day=2026-11-27/country=de/part-0.parquet"), 0, IdType.INT64, 30, 8);
    InputFiles.writeDocs(dir.resolve("day=2026-11-27/country=fr/part-0.parquet"), 1, IdType.INT64, 12, 5);
    InputFiles.writeDocs(dir.resolve("day=2026-11-28/country=de/part-0.parquet"), 2, IdType.INT64, 25, 10);
    InputFiles.writeDocs(dir.resolve("day=2026-11-28/country=de/part-1.parquet"), 3, IdType.INT64, 9, 9);
    Files.writeString(dir.resolve("_SUCCESS"), "");
    try (var files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String key = "table/" + dir.relativize(file).toString().replace('\\', '/');
        s3.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
      }
    }
    return "s3://" + bucket + "/table/";
  }

  @Test
  void plansAndReadsTheSameRowsAsTheLocalCopy() throws IOException {
    String location = upload(s3.createBucket());
    DatasetPlan local = ShardPlanner.plan(dir.toString(), "id", "body", PartitionFilter.all(), s3.settings());
    DatasetPlan remote = ShardPlanner.plan(location, "id", "body", PartitionFilter.all(), s3.settings());

    assertThat(remote.root()).isEqualTo(location);
    assertThat(remote.files()).containsExactly(
        location + "day=2026-11-27/country=de/part-0.parquet", location + "day=2026-11-27/country=fr/part-0.parquet",
        location + "day=2026-11-28/country=de/part-0.parquet", location + "day=2026-11-28/country=de/part-1.parquet");
    assertThat(remote.partitions().get(1)).containsExactly(
        java.util.Map.entry("day", "2026-11-27"), java.util.Map.entry("country", "fr"));
    assertThat(remote.totalRows()).isEqualTo(local.totalRows()).isEqualTo(76);
    assertThat(remote.shards()).hasSameSizeAs(local.shards());
    for (int i = 0; i < local.shards().size(); i++) {
      Shard l = local.shards().get(i);
      Shard r = remote.shards().get(i);
      assertThat(r.columnChunks()).isEqualTo(l.columnChunks());
      assertThat(r.tailLength()).isEqualTo(l.tailLength());
      assertThat(r.etag()).isNotBlank();
    }
    assertThat(remote.snapshot().files()).allSatisfy(f -> assertThat(f.sha256()).startsWith("etag:"));

    try (ObjectStore store = ObjectStores.open(location, s3.settings())) {
      for (int i = 0; i < local.shards().size(); i++) {
        Shard shard = remote.shards().get(i);
        List<TextRow> expected = readLocal(local.shards().get(i));
        // by ranged reads
        ObjectInputFile input = input(store, location, shard);
        assertThat(read(ShardReader.open(shard, input, "id", "body", IdType.INT64, 0))).isEqualTo(expected);
        // from the shard's ranges fetched ahead: no further request
        PrefetchedInputFile prefetched = new PrefetchedInputFile(shard.file(), input(store, location, shard));
        for (ByteSpan span : shard.ranges()) {
          prefetched.with(span.offset(), ByteBuffer.wrap(store.readRange(key(location, shard), span.offset(),
              (int) span.length(), shard.etag())));
        }
        assertThat(read(ShardReader.open(shard, prefetched, "id", "body", IdType.INT64, 0))).isEqualTo(expected);
        assertThat(prefetched.misses()).as("reads outside the shard's ranges").isZero();
      }
    }
  }

  @Test
  void partitionFiltersChooseFilesBeforeAnyFooterIsRead() throws IOException {
    String location = upload(s3.createBucket());
    DatasetPlan de = ShardPlanner.plan(location, "id", "body", PartitionFilter.parse(List.of("country=de")),
        s3.settings());
    assertThat(de.files()).hasSize(3).allSatisfy(f -> assertThat(f).contains("country=de"));
    assertThat(de.totalRows()).isEqualTo(30 + 25 + 9);
    DatasetPlan oneDay = ShardPlanner.plan(location, "id", "body",
        PartitionFilter.parse(List.of("day=2026-11-27", "country=fr", "country=de")), s3.settings());
    assertThat(oneDay.totalRows()).isEqualTo(30 + 12);
    assertThat(oneDay.where().terms()).containsExactly("country=de", "country=fr", "day=2026-11-27");
    assertThat(oneDay.snapshot().id()).isNotEqualTo(de.snapshot().id());

    // the same filter on the local copy picks the same rows
    assertThat(ShardPlanner.plan(dir.toString(), "id", "body", PartitionFilter.parse(List.of("country=de")),
        s3.settings()).totalRows()).isEqualTo(de.totalRows());

    assertThatThrownBy(() -> ShardPlanner.plan(location, "id", "body", PartitionFilter.parse(List.of("region=eu")),
        s3.settings())).isInstanceOf(ConnectorException.class)
        .hasMessageContaining("'region'").hasMessageContaining("[day, country]");
    assertThatThrownBy(() -> ShardPlanner.plan(location, "id", "body", PartitionFilter.parse(List.of("day=1999")),
        s3.settings())).isInstanceOf(ConnectorException.class).hasMessageContaining("day=1999");
    assertThatThrownBy(() -> PartitionFilter.parse(List.of("country"))).hasMessageContaining("key=value");
  }

  @Test
  void errorsNameTheBucketAndKey() throws IOException {
    String bucket = s3.createBucket();
    String location = upload(bucket);
    assertThatThrownBy(() -> ShardPlanner.plan("s3://no-such-bucket-x/table/", "id", "body", PartitionFilter.all(),
        s3.settings())).isInstanceOf(ObjectStoreException.class).hasMessageContaining("no-such-bucket-x")
        .matches(e -> !((ObjectStoreException) e).isTransient(), "is not transient");
    assertThatThrownBy(() -> ShardPlanner.plan("s3://" + bucket + "/nothing-here/", "id", "body",
        PartitionFilter.all(), s3.settings())).hasMessageContaining("s3://" + bucket + "/nothing-here/");
    s3.client().putObject(b -> b.bucket(bucket).key("table/day=2026-11-29/country=de/bad.parquet"),
        RequestBody.fromString("not parquet"));
    assertThatThrownBy(() -> ShardPlanner.plan(location, "id", "body", PartitionFilter.all(), s3.settings()))
        .isInstanceOf(ConnectorException.class).hasMessageContaining(location + "day=2026-11-29/country=de/bad.parquet");

    System.setProperty("aws.secretAccessKey", "wrong-secret-123456");
    try {
      assertThatThrownBy(() -> ShardPlanner.plan(location, "id", "body", PartitionFilter.all(), s3.settings()))
          .isInstanceOf(AccessDeniedException.class).hasMessageContaining(bucket)
          .hasMessageNotContaining("wrong-secret-123456");
    } finally {
      System.setProperty("aws.secretAccessKey", S3ProxyServer.CREDENTIAL);
    }
  }

  @Test
  void aFileReplacedAfterPlanningFailsInsteadOfMixingVersions() throws IOException {
    String bucket = s3.createBucket();
    String location = upload(bucket);
    DatasetPlan plan = ShardPlanner.plan(location, "id", "body", PartitionFilter.all(), s3.settings());
    Shard shard = plan.shards().get(0);
    InputFiles.writeDocs(dir.resolve("other.parquet"), 7, IdType.INT64, 30, 8);
    s3.client().putObject(b -> b.bucket(bucket).key("table/" + key(location, shard)),
        RequestBody.fromFile(dir.resolve("other.parquet")));
    try (ObjectStore store = ObjectStores.open(location, s3.settings())) {
      assertThatThrownBy(() -> read(ShardReader.open(shard, input(store, location, shard), "id", "body",
          IdType.INT64, 0))).isInstanceOf(ObjectStoreException.class).hasMessageContaining("changed")
          .hasMessageContaining(shard.file());
    }
  }

  private static String key(String location, Shard shard) {
    return shard.file().substring(location.length());
  }

  private static ObjectInputFile input(ObjectStore store, String location, Shard shard) {
    return new ObjectInputFile(store, key(location, shard), shard.file(), shard.fileSize(), shard.etag(),
        ObjectInputFile.DEFAULT_READ_AHEAD);
  }

  private static List<TextRow> readLocal(Shard shard) {
    return read(new ShardReader(shard, "id", "body", IdType.INT64));
  }

  private static List<TextRow> read(ShardReader reader) {
    List<TextRow> rows = new ArrayList<>();
    try (reader) {
      reader.forEachRemaining(row -> rows.add(new TextRow(row.idLong, row.idString, row.text, 0, row.rowInFile)));
    }
    return rows;
  }
}
