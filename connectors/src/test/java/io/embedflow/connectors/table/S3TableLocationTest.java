package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.parquet.RejectedRowWriter;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.store.S3ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The contract on S3 (S3Proxy in-process), and real Parquet tables read back through the manifest. */
class S3TableLocationTest extends TableLocationContractTest {
  private static final String PREFIX = "tables/docs/";
  private static S3ProxyServer server;
  private String bucket;

  @BeforeAll
  static void startServer() {
    server = S3ProxyServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected TableLocation newLocation() {
    bucket = server.createBucket();
    return new ObjectStoreTableLocation(new S3ObjectStore(server.client(), S3Uri.parse("s3://" + bucket + "/" + PREFIX)),
        dir.resolve("scratch"));
  }

  @Override
  protected List<String> everything() {
    return server.client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(S3Object::key)
        .map(key -> key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : "../" + key)
        .sorted()
        .toList();
  }

  @Override
  protected void putStray(String path, String content) {
    server.client().putObject(b -> b.bucket(bucket).key(PREFIX + path), RequestBody.fromString(content));
  }

  @Test
  void describesItselfAsItsS3Uri() {
    assertThat(table.describe()).isEqualTo("s3://" + bucket + "/" + PREFIX);
  }

  @Test
  void aFolderMarkerIsNotATableNorAnObject() {
    server.client().putObject(b -> b.bucket(bucket).key(PREFIX), RequestBody.empty());

    table.requireFree();
    assertThat(table.manifest()).isEmpty();
  }

  @Test
  void aMissingBucketIsNamed() {
    try (TableLocation missing = new ObjectStoreTableLocation(
        new S3ObjectStore(server.client(), S3Uri.parse("s3://no-such-bucket-here/t/")), dir.resolve("scratch"))) {
      assertThatThrownBy(missing::requireFree).isInstanceOf(ConnectorException.class)
          .hasMessageContaining("no-such-bucket-here");
    }
  }

  @Test
  void parquetTablesAreReadBackThroughTheManifestWithSizesAndRowCountsChecked() throws IOException {
    List<EmbeddingRow> expected = new ArrayList<>();
    List<TableFile> files = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      String name = String.format("part-%05d-0.parquet", subtask);
      Path file = table.partFile("run-1", PartKind.DATA, name);
      try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.INT64, 2)) {
        for (int i = 0; i < 20; i++) {
          long id = subtask * 100L + i;
          float[] vector = {id, -id};
          writer.write(id, null, vector, ContentHash.of("text " + id));
          expected.add(new EmbeddingRow(id, vector, ContentHash.of("text " + id)));
        }
      }
      files.add(table.stagePart("run-1", PartKind.DATA, name, 20));
    }
    Path rejectedFile = table.partFile("run-1", PartKind.REJECTED, "part-00000-0.parquet");
    try (RejectedRowWriter writer = new RejectedRowWriter(rejectedFile, IdType.INT64)) {
      writer.write(999, null, "f0.parquet", 7, "null text", null);
    }
    TableFile rejected = table.stagePart("run-1", PartKind.REJECTED, "part-00000-0.parquet", 1);
    table.publish(new TableManifest(TableManifest.FORMAT, "run-1", "model", null, "data", "INT64", 2, 40, 1, 0,
        Instant.now(), files, List.of(rejected)));

    assertThat(EmbeddingTableReader.readAll(table)).containsExactlyElementsOf(expected);
    assertThat(RejectedRowReader.readAll(table))
        .containsExactly(new RejectedRow(999L, "f0.parquet", 7, "null text", null));

    // a manifest whose row count does not match its file is refused on read
    TableFile part = files.get(0);
    try (TableLocation wrongRows = new ObjectStoreTableLocation(new S3ObjectStore(server.client(),
        S3Uri.parse("s3://" + bucket + "/" + PREFIX)), dir.resolve("scratch"))) {
      server.client().putObject(b -> b.bucket(bucket).key(PREFIX + TableManifest.FILE_NAME), RequestBody.fromBytes(
          new TableManifest(TableManifest.FORMAT, "run-1", "model", null, "data", "INT64", 2, 21, 0, 0, Instant.now(),
              List.of(new TableFile(part.path(), 21, part.sizeBytes())), List.of()).toJson()));
      assertThatThrownBy(() -> EmbeddingTableReader.readAll(wrongRows))
          .isInstanceOf(ConnectorException.class)
          .hasMessageContaining(part.path())
          .hasMessageContaining("21 rows");
    }
  }
}
