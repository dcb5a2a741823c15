package io.embedflow.connectors.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardPlannerTest {
  @TempDir Path dir;

  private void writeDataset() {
    InputFiles.writeDocs(dir.resolve("b.parquet"), 0, IdType.INT64, 95, 10);
    InputFiles.writeDocs(dir.resolve("a.parquet"), 0, IdType.INT64, 23, 7);
    InputFiles.writeDocs(dir.resolve("sub/c.parquet"), 0, IdType.INT64, 40, 40);
    InputFiles.writeDocs(dir.resolve("empty.parquet"), 0, IdType.INT64, 0, 10);
  }

  @Test
  void shardsCoverEveryRowExactlyOnce() throws IOException {
    writeDataset();
    // ignored: hidden and underscore files and directories, and files of other types
    InputFiles.writeDocs(dir.resolve("_tmp/x.parquet"), 0, IdType.INT64, 5, 5);
    InputFiles.writeDocs(dir.resolve(".staging/y.parquet"), 0, IdType.INT64, 5, 5);
    InputFiles.writeDocs(dir.resolve("_z.parquet"), 0, IdType.INT64, 5, 5);
    Files.writeString(dir.resolve("_SUCCESS"), "");
    Files.writeString(dir.resolve("notes.txt"), "not data");

    DatasetPlan plan = ShardPlanner.plan(dir, "id", "body");

    assertThat(plan.files()).containsExactly(
        dir.resolve("a.parquet").toString(), dir.resolve("b.parquet").toString(),
        dir.resolve("empty.parquet").toString(), dir.resolve("sub/c.parquet").toString());
    assertThat(plan.snapshot().files()).extracting(DataFile::relativePath)
        .containsExactly("a.parquet", "b.parquet", "empty.parquet", "sub/c.parquet");
    assertThat(plan.totalRows()).isEqualTo(23 + 95 + 40);
    assertThat(plan.idType()).isEqualTo(IdType.INT64);
    assertThat(plan.root()).isEqualTo(dir.toAbsolutePath().normalize().toString());
    assertThat(plan.shards()).hasSize(4 + 10 + 1).allSatisfy(shard -> assertThat(shard.rowCount()).isPositive());

    long[] fileRows = {23, 95, 0, 40};
    Map<Integer, List<Shard>> byFile = plan.shards().stream().collect(Collectors.groupingBy(Shard::fileIndex));
    for (int f = 0; f < fileRows.length; f++) {
      List<Shard> shards = new ArrayList<>(byFile.getOrDefault(f, List.of()));
      shards.sort(Comparator.comparingLong(Shard::firstRow));
      long next = 0;
      for (Shard shard : shards) {
        assertThat(shard.file()).isEqualTo(plan.files().get(f));
        assertThat(shard.firstRow()).as("shard %s starts where the previous one ended", shard).isEqualTo(next);
        next += shard.rowCount();
      }
      assertThat(next).as("rows of file %s", f).isEqualTo(fileRows[f]);
    }
  }

  @Test
  void snapshotRecordsSizesAndChecksums() throws Exception {
    writeDataset();
    DatasetPlan plan = ShardPlanner.plan(dir, "id", "body");

    for (DataFile file : plan.snapshot().files()) {
      byte[] bytes = Files.readAllBytes(dir.resolve(file.relativePath()));
      assertThat(file.sizeBytes()).isEqualTo(bytes.length);
      assertThat(file.sha256())
          .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
  }

  @Test
  void planSurvivesJavaSerialization() throws Exception {
    writeDataset();
    DatasetPlan plan = ShardPlanner.plan(dir, "id", "body");

    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(plan);
    }
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(plan);
    }
  }

  @Test
  void snapshotIdIsStableAndChangesWithTheData() {
    writeDataset();
    String first = ShardPlanner.plan(dir, "id", "body").snapshot().id();

    assertThat(ShardPlanner.plan(dir, "id", "body").snapshot().id()).isEqualTo(first).hasSize(64);

    InputFiles.writeDocs(dir.resolve("a2.parquet"), 0, IdType.INT64, 3, 3);
    String withExtraFile = ShardPlanner.plan(dir, "id", "body").snapshot().id();
    assertThat(withExtraFile).isNotEqualTo(first);

    rewrite(dir.resolve("a.parquet"), 24);
    assertThat(ShardPlanner.plan(dir, "id", "body").snapshot().id()).isNotEqualTo(withExtraFile).isNotEqualTo(first);
  }

  @Test
  void snapshotIdDependsOnlyOnTheSetOfFiles() {
    DataFile a = new DataFile("a.parquet", 10, "aa");
    DataFile b = new DataFile("dir/b.parquet", 20, "bb");

    DataSnapshot forward = DataSnapshot.of(List.of(a, b));
    DataSnapshot backward = DataSnapshot.of(List.of(b, a));

    assertThat(backward).isEqualTo(forward);
    assertThat(forward.files()).containsExactly(a, b);
    assertThat(DataSnapshot.of(List.of(a, new DataFile("dir/b.parquet", 20, "bc"))).id()).isNotEqualTo(forward.id());
    // canonical text "a.parquet\t10\taa\ndir/b.parquet\t20\tbb\n"
    assertThat(forward.id()).isEqualTo(sha256("a.parquet\t10\taa\ndir/b.parquet\t20\tbb\n"));
  }

  @Test
  void acceptsStringAndInt32IdsAndPlainBinaryText() {
    InputFiles.writeDocs(dir.resolve("s.parquet"), 0, IdType.STRING, 12, 5);
    assertThat(ShardPlanner.plan(dir, "id", "body").idType()).isEqualTo(IdType.STRING);

    Path other = dir.resolve("other");
    InputFiles.write(other.resolve("p.parquet"),
        MessageTypeParser.parseMessageType("message m { optional int32 key; required binary t; }"), 4,
        List.of(new Object[] {1, "x"}, new Object[] {2, "y"}));
    DatasetPlan plan = ShardPlanner.plan(other, "key", "t");
    assertThat(plan.idType()).isEqualTo(IdType.INT32);
    assertThat(plan.totalRows()).isEqualTo(2);
  }

  @Test
  void missingDirectoryIsNamed() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ShardPlanner.plan(missing, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void regularFileIsNotADirectory() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> ShardPlanner.plan(file, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a directory");
  }

  @Test
  void directoryWithoutParquetFilesIsRejected() throws IOException {
    Files.writeString(dir.resolve("_SUCCESS"), "");
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("no *.parquet files");
  }

  @Test
  void nonParquetFileIsNamed() throws IOException {
    writeDataset();
    Path junk = Files.writeString(dir.resolve("junk.parquet"), "this is not parquet at all, just some text bytes");
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(junk.toString());
  }

  @Test
  void emptyFileIsNamed() throws IOException {
    Path empty = Files.createFile(dir.resolve("zero.parquet"));
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(empty.toString());
  }

  @Test
  void truncatedParquetFileIsNamed() throws IOException {
    writeDataset();
    Path file = dir.resolve("b.parquet");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 20));

    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void missingIdColumnNamesColumnAndFile() {
    writeDataset();
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "doc_id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("'doc_id'")
        .hasMessageContaining(dir.resolve("a.parquet").toString())
        .hasMessageContaining("not found")
        .hasMessageContaining("id, body");
  }

  @Test
  void missingTextColumnNamesColumnAndFile() {
    writeDataset();
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "text"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("text column 'text'")
        .hasMessageContaining(dir.resolve("a.parquet").toString());
  }

  @Test
  void wrongTextColumnTypeNamesColumnFileAndType() {
    writeDataset();
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "body", "id"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("text column 'id'")
        .hasMessageContaining(dir.resolve("a.parquet").toString())
        .hasMessageContaining("int64");
  }

  @Test
  void unsupportedIdTypeNamesColumnFileAndType() {
    writeDataset();
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "score", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("id column 'score'")
        .hasMessageContaining(dir.resolve("a.parquet").toString())
        .hasMessageContaining("double");
  }

  @Test
  void nestedColumnsAreRejected() {
    InputFiles.write(dir.resolve("n.parquet"),
        MessageTypeParser.parseMessageType("message m { required int64 id; optional group body { optional binary v (STRING); } }"),
        4, List.<Object[]>of());
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("'body'")
        .hasMessageContaining("nested");
  }

  @Test
  void idTypeMustAgreeAcrossFiles() {
    InputFiles.writeDocs(dir.resolve("a.parquet"), 0, IdType.INT64, 5, 5);
    InputFiles.writeDocs(dir.resolve("b.parquet"), 1, IdType.STRING, 5, 5);
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "id", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("STRING in " + dir.resolve("b.parquet"))
        .hasMessageContaining("INT64 in " + dir.resolve("a.parquet"));
  }

  @Test
  void idAndTextMustDiffer() {
    writeDataset();
    assertThatThrownBy(() -> ShardPlanner.plan(dir, "body", "body"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("'body'");
  }

  private static void rewrite(Path file, int rows) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    InputFiles.writeDocs(file, 0, IdType.INT64, rows, 7);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes("UTF-8")));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
