package io.embedflow.connectors.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.shard.IdType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RejectedRowWriterTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(IdType.class)
  void roundTripsWithAndWithoutIds(IdType idType) {
    Path file = dir.resolve("r.parquet");
    String longText = "x".repeat(500);
    try (RejectedRowWriter writer = new RejectedRowWriter(file, idType)) {
      writer.write(7, idType.isNumeric() ? null : "doc-7", "/in/a.parquet", 3, "null text", null);
      writer.write(8, idType.isNumeric() ? null : "doc-8", "/in/a.parquet", 4, "too long", longText);
      writer.writeWithoutId("/in/b.parquet", 0, "null id", "short");
      assertThat(writer.rowCount()).isEqualTo(3);
    }

    Object id7 = idType == IdType.INT32 ? (Object) 7 : idType == IdType.INT64 ? (Object) 7L : "doc-7";
    Object id8 = idType == IdType.INT32 ? (Object) 8 : idType == IdType.INT64 ? (Object) 8L : "doc-8";
    assertThat(RejectedRowReader.readFile(file)).containsExactly(
        new RejectedRow(id7, "/in/a.parquet", 3, "null text", null),
        new RejectedRow(id8, "/in/a.parquet", 4, "too long", "x".repeat(200)),
        new RejectedRow(null, "/in/b.parquet", 0, "null id", "short"));
  }

  @Test
  void nullStringIdIsWrittenAsNull() {
    Path file = dir.resolve("r.parquet");
    try (RejectedRowWriter writer = new RejectedRowWriter(file, IdType.STRING)) {
      writer.write(0, null, "/in/a.parquet", 1, "null id", "t");
    }
    assertThat(RejectedRowReader.readFile(file)).containsExactly(new RejectedRow(null, "/in/a.parquet", 1, "null id", "t"));
  }

  @Test
  void textPrefixNeverSplitsASurrogatePair() {
    String text = "a".repeat(199) + "\uD83D\uDE00" + "b";
    assertThat(RejectedRowWriter.prefix(text)).isEqualTo("a".repeat(199));
    assertThat(RejectedRowWriter.prefix("a".repeat(200) + "\uD83D\uDE00")).isEqualTo("a".repeat(200));
    assertThat(RejectedRowWriter.prefix(null)).isNull();
  }
}
