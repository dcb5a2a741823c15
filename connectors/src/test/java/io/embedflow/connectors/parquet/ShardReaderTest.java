package io.embedflow.connectors.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.InputFiles;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.shard.Shard;
import io.embedflow.connectors.shard.ShardPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ShardReaderTest {
  @TempDir Path dir;

  private List<TextRow> expected;

  private DatasetPlan writeDataset(IdType idType) {
    expected = new ArrayList<>();
    expected.addAll(InputFiles.writeDocs(dir.resolve("a.parquet"), 0, idType, 57, 10));
    expected.addAll(InputFiles.writeDocs(dir.resolve("b.parquet"), 1, idType, 31, 8));
    return ShardPlanner.plan(dir, "id", "body");
  }

  private static List<TextRow> readAll(ShardReader reader) {
    List<TextRow> rows = new ArrayList<>();
    try (reader) {
      while (reader.hasNext()) {
        rows.add(reader.next());
      }
    }
    return rows;
  }

  @ParameterizedTest
  @EnumSource(IdType.class)
  void readsEveryRowOfEveryShardInFileOrder(IdType idType) {
    DatasetPlan plan = writeDataset(idType);

    List<TextRow> rows = new ArrayList<>();
    for (Shard shard : plan.shards()) {
      List<TextRow> shardRows = readAll(new ShardReader(shard, "id", "body", idType));
      assertThat(shardRows).hasSize((int) shard.rowCount());
      for (int i = 0; i < shardRows.size(); i++) {
        assertThat(shardRows.get(i).rowInFile).isEqualTo(shard.firstRow() + i);
        assertThat(shardRows.get(i).fileIndex).isEqualTo(shard.fileIndex());
      }
      rows.addAll(shardRows);
    }

    rows.sort(Comparator.<TextRow>comparingInt(r -> r.fileIndex).thenComparingLong(r -> r.rowInFile));
    assertThat(rows).containsExactlyElementsOf(expected);
    assertThat(rows).anySatisfy(row -> assertThat(row.text).isNull());
    assertThat(rows).anySatisfy(row -> assertThat(row.text).isEqualTo(InputFiles.COMMON_TEXT));
  }

  @ParameterizedTest
  @EnumSource(IdType.class)
  void resumeSkipsTheFirstRowsOfTheShard(IdType idType) {
    DatasetPlan plan = writeDataset(idType);
    Shard shard = plan.shards().get(2);
    List<TextRow> all = readAll(new ShardReader(shard, "id", "body", idType));

    for (long skip : new long[] {0, 1, 3, shard.rowCount() - 1, shard.rowCount()}) {
      ShardReader reader = ShardReader.resume(shard, "id", "body", idType, skip);
      assertThat(reader.position()).isEqualTo(skip);
      assertThat(readAll(reader)).as("skip %s", skip).containsExactlyElementsOf(all.subList((int) skip, all.size()));
    }
  }

  @Test
  void skippingMoreRowsThanTheShardHoldsFails() {
    DatasetPlan plan = writeDataset(IdType.INT64);
    Shard shard = plan.shards().get(0);
    assertThatThrownBy(() -> ShardReader.resume(shard, "id", "body", IdType.INT64, shard.rowCount() + 1))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(shard.file());
  }

  @Test
  void nextAfterTheLastRowThrows() {
    DatasetPlan plan = writeDataset(IdType.INT64);
    try (ShardReader reader = ShardReader.resume(plan.shards().get(0), "id", "body", IdType.INT64, 10)) {
      assertThat(reader.hasNext()).isFalse();
      assertThatThrownBy(reader::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void nullIdNamesFileAndRow() {
    Path file = dir.resolve("nulls.parquet");
    InputFiles.write(file,
        MessageTypeParser.parseMessageType("message m { optional int64 id; optional binary body (STRING); }"), 3,
        List.of(new Object[] {1L, "a"}, new Object[] {2L, "b"}, new Object[] {3L, "c"}, new Object[] {4L, "d"},
            new Object[] {null, "e"}));
    DatasetPlan plan = ShardPlanner.plan(dir, "id", "body");
    Shard second = plan.shards().get(1);

    try (ShardReader reader = new ShardReader(second, "id", "body", IdType.INT64)) {
      assertThat(reader.next().idLong).isEqualTo(4L);
      assertThatThrownBy(reader::next)
          .isInstanceOf(ConnectorException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("row 4")
          .hasMessageContaining("'id'");
    }
  }

  @Test
  void fileChangedAfterPlanningIsDetected() throws IOException {
    DatasetPlan plan = writeDataset(IdType.INT64);
    Path a = dir.resolve("a.parquet");
    Files.delete(a);
    InputFiles.writeDocs(a, 0, IdType.INT64, 57, 20);

    assertThatThrownBy(() -> new ShardReader(plan.shards().get(1), "id", "body", IdType.INT64))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(a.toString())
        .hasMessageContaining("changed");
  }

  @Test
  void unreadableFileIsNamed() throws IOException {
    DatasetPlan plan = writeDataset(IdType.INT64);
    Path a = dir.resolve("a.parquet");
    Files.writeString(a, "gone");

    assertThatThrownBy(() -> new ShardReader(plan.shards().get(0), "id", "body", IdType.INT64))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(a.toString());
  }

  @Test
  void textRowIsAValueObject() {
    TextRow a = new TextRow(1, null, "t", 2, 3);
    TextRow b = new TextRow();
    b.idLong = 1;
    b.text = "t";
    b.fileIndex = 2;
    b.rowInFile = 3;

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.toString()).contains("text=t", "rowInFile=3");
    assertThat(new TextRow(1, null, "u", 2, 3)).isNotEqualTo(a);
  }
}
