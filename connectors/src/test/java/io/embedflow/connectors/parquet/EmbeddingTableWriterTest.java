package io.embedflow.connectors.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.StagedTable;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmbeddingTableWriterTest {
  private static final int DIMENSION = 4;

  @TempDir Path dir;

  private static Object id(IdType idType, int i) {
    switch (idType) {
      case INT32:
        return i;
      case INT64:
        return 10_000_000_000L + i;
      default:
        return "doc-" + i;
    }
  }

  private static long idLong(IdType idType, int i) {
    return idType.isNumeric() ? ((Number) id(idType, i)).longValue() : 0;
  }

  private static String idString(IdType idType, int i) {
    return idType.isNumeric() ? null : (String) id(idType, i);
  }

  private static float[] vector(int i) {
    return new float[] {i, -i / 3f, Float.MIN_VALUE, 1e30f};
  }

  @ParameterizedTest
  @EnumSource(IdType.class)
  void roundTripsThroughAPublishedTable(IdType idType) {
    StagedTable table = StagedTable.open(dir.resolve("out"), "run-1");
    List<TableFile> files = new ArrayList<>();
    List<EmbeddingRow> expected = new ArrayList<>();
    int row = 0;
    for (int part = 0; part < 2; part++) {
      Path file = table.stagingDir().resolve("part-0000" + part + ".parquet");
      try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, idType, DIMENSION)) {
        for (int i = 0; i < 50; i++, row++) {
          String hash = ContentHash.of("text " + row);
          writer.write(idLong(idType, row), idString(idType, row), vector(row), hash);
          expected.add(new EmbeddingRow(id(idType, row), vector(row), hash));
        }
        assertThat(writer.rowCount()).isEqualTo(50);
      }
      files.add(TableFile.of(table.stagingDir(), file, 50));
    }
    Path rejectedFile = table.stagingDir().resolve("_rejected/part-00000.parquet");
    try (RejectedRowWriter rejected = new RejectedRowWriter(rejectedFile, idType)) {
      rejected.write(idLong(idType, 999), idString(idType, 999), "/in/a.parquet", 7, "null text", null);
    }
    table.publish(new TableManifest(TableManifest.FORMAT, "run-1", "model-abc", null, "data-xyz", idType.name(),
        DIMENSION, 100, 1, 0, Instant.now(), files, List.of(TableFile.of(table.stagingDir(), rejectedFile, 1))));

    assertThat(EmbeddingTableReader.readAll(table.output())).containsExactlyElementsOf(expected);
    assertThat(RejectedRowReader.readAll(table.output()))
        .containsExactly(new RejectedRow(id(idType, 999), "/in/a.parquet", 7, "null text", null));
  }

  @ParameterizedTest
  @EnumSource(IdType.class)
  void writesTheDocumentedSchema(IdType idType) throws IOException {
    Path file = dir.resolve("e.parquet");
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, idType, DIMENSION)) {
      writer.write(idLong(idType, 1), idString(idType, 1), vector(1), ContentHash.of("x"));
    }
    String id = idType == IdType.INT32 ? "required int32 id;"
        : idType == IdType.INT64 ? "required int64 id;" : "required binary id (STRING);";
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      assertThat(reader.getFooter().getFileMetaData().getSchema()).isEqualTo(MessageTypeParser.parseMessageType(
          "message embedding { " + id + " required group embedding (LIST) { repeated group list { required float element; } }"
              + " required binary content_hash (STRING); required boolean truncated; }"));
    }
  }

  @Test
  void scanStreamsRowsWithTheirPositionAndTruncationAndCanSkipTheVectors() {
    Path file = dir.resolve("e.parquet");
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.INT64, DIMENSION)) {
      for (int i = 0; i < 5; i++) {
        writer.write(100 + i, null, vector(i), ContentHash.of("text " + i), i % 2 == 1);
      }
    }
    List<EmbeddingTableReader.Stored> all = new ArrayList<>();
    EmbeddingTableReader.scan(file, true, all::add);
    assertThat(all).extracting(EmbeddingTableReader.Stored::position).containsExactly(0L, 1L, 2L, 3L, 4L);
    assertThat(all).extracting(EmbeddingTableReader.Stored::truncated).containsExactly(false, true, false, true, false);
    assertThat(all.get(3).id()).isEqualTo(103L);
    assertThat(all.get(3).embedding()).containsExactly(vector(3));
    assertThat(all.get(3).contentHash()).isEqualTo(ContentHash.of("text 3"));

    List<EmbeddingTableReader.Stored> keys = new ArrayList<>();
    EmbeddingTableReader.scan(file, false, keys::add);
    assertThat(keys).hasSize(5).allSatisfy(r -> assertThat(r.embedding()).isNull());
    assertThat(keys.get(4).id()).isEqualTo(104L);
  }

  @Test
  void isReadableByAGenericParquetReader() throws IOException {
    Path file = dir.resolve("e.parquet");
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.STRING, DIMENSION)) {
      for (int i = 0; i < 3; i++) {
        writer.write(0, "doc-" + i, vector(i), ContentHash.of("text " + i));
      }
    }

    List<Group> groups = new ArrayList<>();
    try (ParquetReader<Group> reader =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri())).build()) {
      for (Group group = reader.read(); group != null; group = reader.read()) {
        groups.add(group);
      }
    }

    assertThat(groups).hasSize(3);
    Group second = groups.get(1);
    assertThat(second.getString("id", 0)).isEqualTo("doc-1");
    assertThat(second.getString("content_hash", 0)).isEqualTo(ContentHash.of("text 1"));
    Group list = second.getGroup("embedding", 0);
    float[] vector = new float[list.getFieldRepetitionCount("list")];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = list.getGroup("list", i).getFloat("element", 0);
    }
    assertThat(vector).containsExactly(vector(1));
  }

  @Test
  void rejectsAVectorOfTheWrongLengthAndKeepsGoing() {
    Path file = dir.resolve("e.parquet");
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.INT64, DIMENSION)) {
      assertThatThrownBy(() -> writer.write(42, null, new float[3], "h"))
          .isInstanceOf(ConnectorException.class)
          .hasMessageContaining("42")
          .hasMessageContaining("3 elements")
          .hasMessageContaining("dimension is 4");
      writer.write(43, null, vector(43), "h");
      assertThat(writer.rowCount()).isEqualTo(1);
    }
    assertThat(EmbeddingTableReader.readFile(file)).containsExactly(new EmbeddingRow(43L, vector(43), "h"));
  }

  @Test
  void rejectsIdsThatDoNotFitTheirType() {
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(dir.resolve("a.parquet"), IdType.INT32, DIMENSION)) {
      assertThatThrownBy(() -> writer.write(1L << 40, null, vector(1), "h")).isInstanceOf(ConnectorException.class);
    }
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(dir.resolve("b.parquet"), IdType.STRING, DIMENSION)) {
      assertThatThrownBy(() -> writer.write(1, null, vector(1), "h")).isInstanceOf(ConnectorException.class);
      assertThatThrownBy(() -> writer.write(1, "x", vector(1), null)).isInstanceOf(ConnectorException.class);
    }
  }

  @Test
  void refusesToOverwriteAFile() throws IOException {
    Path file = Files.writeString(dir.resolve("e.parquet"), "existing");
    assertThatThrownBy(() -> new EmbeddingTableWriter(file, IdType.INT64, DIMENSION))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("exists");
    assertThat(Files.readString(file)).isEqualTo("existing");
  }

  @Test
  void refusesANonPositiveDimension() {
    assertThatThrownBy(() -> new EmbeddingTableWriter(dir.resolve("e.parquet"), IdType.INT64, 0))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("dimension");
  }

  @Test
  void writesManyRowGroupsWorthOfRows() {
    Path file = dir.resolve("big.parquet");
    float[] vector = new float[384];
    try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.INT64, vector.length)) {
      for (int i = 0; i < 5_000; i++) {
        vector[0] = i;
        writer.write(i, null, vector, "h");
      }
    }
    List<EmbeddingRow> rows = EmbeddingTableReader.readFile(file);
    assertThat(rows).hasSize(5_000);
    assertThat(rows.get(4_321).id()).isEqualTo(4_321L);
    assertThat(rows.get(4_321).embedding()).hasSize(384).startsWith(4_321f, 0f);
  }
}
