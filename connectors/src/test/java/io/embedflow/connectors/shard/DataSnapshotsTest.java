package io.embedflow.connectors.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.InputFiles;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.store.LocalObjectStore;
import io.embedflow.connectors.store.MemoryObjectStore;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.S3ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSnapshotsTest {
  private static S3ProxyServer server;

  @TempDir Path dir;

  @BeforeAll
  static void startServer() {
    server = S3ProxyServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void writeDataset(ObjectStore store) {
    store.putBytes("data/docs/b.parquet", bytes("bbbb"));
    store.putBytes("data/docs/a.parquet", bytes("aa"));
    store.putBytes("data/docs/year=2026/c.parquet", bytes("ccc"));
    // not part of the dataset: hidden or underscore names at any depth, other suffixes, sibling prefixes
    store.putBytes("data/docs/_SUCCESS", bytes(""));
    store.putBytes("data/docs/_tmp/x.parquet", bytes("x"));
    store.putBytes("data/docs/.staging/y.parquet", bytes("y"));
    store.putBytes("data/docs/year=2026/_z.parquet", bytes("z"));
    store.putBytes("data/docs/notes.txt", bytes("notes"));
    store.putBytes("data/docs2/d.parquet", bytes("d"));
  }

  private void checkSnapshots(ObjectStore store) {
    writeDataset(store);

    DataSnapshot snapshot = DataSnapshots.ofObjects(store, "data/docs");

    assertThat(snapshot.files()).extracting(DataFile::relativePath)
        .containsExactly("a.parquet", "b.parquet", "year=2026/c.parquet");
    assertThat(snapshot.files()).extracting(DataFile::sizeBytes).containsExactly(2L, 4L, 3L);
    assertThat(snapshot.files()).allSatisfy(file -> assertThat(file.sha256()).startsWith("etag:"));
    assertThat(DataSnapshots.ofObjects(store, "data/docs/").id()).as("stable").isEqualTo(snapshot.id());

    store.putBytes("data/docs/_SUCCESS", bytes("rewritten marker"));
    store.putBytes("data/docs/_tmp/new.parquet", bytes("ignored"));
    assertThat(DataSnapshots.ofObjects(store, "data/docs").id()).as("ignores _ and . names").isEqualTo(snapshot.id());

    store.putBytes("data/docs/b.parquet", bytes("BBBB"));
    DataSnapshot changed = DataSnapshots.ofObjects(store, "data/docs");
    assertThat(changed.id()).as("same size, new bytes").isNotEqualTo(snapshot.id());

    store.putBytes("data/docs/b.parquet", bytes("bbbb"));
    assertThat(DataSnapshots.ofObjects(store, "data/docs").id()).as("content-derived ETags come back").isEqualTo(snapshot.id());

    store.delete("data/docs/a.parquet");
    assertThat(DataSnapshots.ofObjects(store, "data/docs").id()).isNotEqualTo(snapshot.id());
  }

  @Test
  void snapshotsOfAMemoryStore() {
    checkSnapshots(new MemoryObjectStore());
  }

  @Test
  void snapshotsOfAnS3Store() {
    try (ObjectStore store = new S3ObjectStore(server.client(), new S3Uri(server.createBucket(), "warehouse/"))) {
      checkSnapshots(store);
    }
  }

  @Test
  void aPrefixWithoutParquetObjectsIsAnError() {
    MemoryObjectStore store = new MemoryObjectStore();
    store.putBytes("data/_SUCCESS", new byte[0]);

    assertThatThrownBy(() -> DataSnapshots.ofObjects(store, "data"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("data/")
        .hasMessageContaining(store.describe());
  }

  @Test
  void aLocalStoreWithoutETagsGivesTheSameIdAsTheShardPlanner() {
    Path root = dir.resolve("store");
    InputFiles.writeDocs(root.resolve("docs/b.parquet"), 0, IdType.INT64, 20, 10);
    InputFiles.writeDocs(root.resolve("docs/sub/a.parquet"), 0, IdType.INT64, 5, 5);
    InputFiles.writeDocs(root.resolve("docs/_tmp/x.parquet"), 0, IdType.INT64, 5, 5);

    try (ObjectStore store = new LocalObjectStore(root)) {
      DataSnapshot snapshot = DataSnapshots.ofObjects(store, "docs");

      assertThat(snapshot.files()).extracting(DataFile::relativePath).isEqualTo(List.of("b.parquet", "sub/a.parquet"));
      assertThat(snapshot.id()).isEqualTo(ShardPlanner.plan(root.resolve("docs"), "id", "body").snapshot().id());
    }
  }
}
