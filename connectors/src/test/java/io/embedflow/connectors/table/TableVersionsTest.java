package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Versions of one table location, locally and on S3: newest wins, a lost race is refused, files are checked. */
class TableVersionsTest {
  private static S3ProxyServer server;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    server = S3ProxyServer.start();
    // TableManifest.read(location) reaches S3 with the settings of the environment
    System.setProperty(S3Settings.ENDPOINT_PROPERTY, server.endpoint().toString());
    System.setProperty("aws.region", "us-east-1");
    System.setProperty("aws.accessKeyId", S3ProxyServer.IDENTITY);
    System.setProperty("aws.secretAccessKey", S3ProxyServer.CREDENTIAL);
  }

  @AfterAll
  static void stop() {
    System.clearProperty(S3Settings.ENDPOINT_PROPERTY);
    System.clearProperty("aws.region");
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    server.close();
  }

  private String location(boolean s3) {
    return s3 ? "s3://" + server.createBucket() + "/tables/docs/" : dir.resolve("docs").toString();
  }

  /** Publishes a one-part table of run {@code runId} under the location's runs/ and returns its files. */
  private static List<TableFile> runTable(String location, S3Settings settings, String runId, String content, long rows)
      throws IOException {
    String runLocation = (location.endsWith("/") ? location : location + "/") + TableVersions.runDirectory(runId);
    try (TableLocation table = TableLocation.open(runLocation, settings)) {
      Path file = table.partFile(runId, PartKind.DATA, "part-00000-0.parquet");
      Files.writeString(file, content);
      TableFile part = table.stagePart(runId, PartKind.DATA, "part-00000-0.parquet", rows);
      table.publish(manifest(runId, List.of(part)));
      List<TableFile> files = new ArrayList<>();
      for (TableFile f : table.readManifest().files()) {
        files.add(new TableFile(TableVersions.runDirectory(runId) + f.path(), f.rows(), f.sizeBytes()));
      }
      return files;
    }
  }

  private static TableManifest manifest(String runId, List<TableFile> files) {
    return new TableManifest(TableManifest.FORMAT, runId, "model-1", "m/1", "data-" + runId, "INT64", 8,
        files.stream().mapToLong(TableFile::rows).sum(), 0, 0, Instant.parse("2026-11-29T00:00:00Z"), files,
        List.of());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theNewestVersionIsTheTableAndALostRaceIsRefused(boolean s3) throws IOException {
    S3Settings settings = server.settings();
    String location = location(s3);
    try (TableVersions versions = TableVersions.open(location, settings)) {
      assertThat(versions.latest()).isEmpty();
      List<TableFile> first = runTable(location, settings, "r1", "first run", 10);
      versions.commit(1, manifest("r1", first));

      // version 2 keeps r1's file and adds r2's
      List<TableFile> second = new ArrayList<>(first);
      second.addAll(runTable(location, settings, "r2", "second run, longer", 4));
      versions.commit(2, manifest("r2", second));
      assertThat(versions.numbers()).containsExactly(1L, 2L);
      assertThat(versions.latest().orElseThrow().manifest().files()).isEqualTo(second);
      try (TableLocation table = TableLocation.open(location, settings)) {
        assertThat(table.readManifest().runId()).isEqualTo("r2");
        assertThat(table.<String>readFile(second.get(1), TableVersionsTest::read)).isEqualTo("second run, longer");
        assertThat(table.<String>readFile(second.get(0), TableVersionsTest::read)).isEqualTo("first run");
      }
      assertThat(TableManifest.read(location).rowCount()).isEqualTo(14);

      // a run that read version 1 lost the race for version 2
      List<TableFile> late = runTable(location, settings, "r3", "late", 1);
      assertThatThrownBy(() -> versions.commit(2, manifest("r3", late)))
          .isInstanceOf(ConcurrentTableUpdateException.class).hasMessageContaining("newest version is 2");
      // and a version must list files that are there, with their sizes
      List<TableFile> missing = List.of(new TableFile("runs/r9/part-00000-0.parquet", 1, 5));
      assertThatThrownBy(() -> versions.commit(3, manifest("r9", missing)))
          .isInstanceOf(ConnectorException.class).hasMessageContaining("runs/r9/part-00000-0.parquet")
          .hasMessageContaining("does not exist");
      assertThat(versions.numbers()).containsExactly(1L, 2L);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aPlainTableIsVersionOne(boolean s3) throws IOException {
    S3Settings settings = server.settings();
    String location = location(s3);
    try (TableLocation table = TableLocation.open(location, settings)) {
      Path file = table.partFile("plain", PartKind.DATA, "part-00000-0.parquet");
      Files.writeString(file, "plain table");
      table.publish(manifest("plain", List.of(table.stagePart("plain", PartKind.DATA, "part-00000-0.parquet", 3))));
    }
    try (TableVersions versions = TableVersions.open(location, settings)) {
      TableVersions.Version one = versions.latest().orElseThrow();
      assertThat(one.number()).isEqualTo(1);
      assertThat(one.manifest().runId()).isEqualTo("plain");
      List<TableFile> next = new ArrayList<>(one.manifest().files());
      next.addAll(runTable(location, settings, "r2", "more", 2));
      versions.commit(2, manifest("r2", next));
      assertThat(TableManifest.read(location).rowCount()).isEqualTo(5);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
