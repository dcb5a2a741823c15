package io.embedflow.connectors.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.shard.IdType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionFilesTest {
  @TempDir
  Path dir;

  @Test
  void predictionsRoundTripAndRanksStartAtOne() {
    Path file = dir.resolve("part-00000-0.parquet");
    try (PredictionWriter writer = new PredictionWriter(file, IdType.INT64, IdType.STRING)) {
      writer.write(7, null, 1, 0, "doc-3", 0.9f);
      writer.write(7, null, 2, 0, "doc-1", 0.5f);
      assertThatThrownBy(() -> writer.write(7, null, 0, 0, "doc-2", 0.1f)).isInstanceOf(ConnectorException.class)
          .hasMessageContaining("ranks start at 1");
      assertThat(writer.rowCount()).isEqualTo(2);
    }
    assertThat(PredictionReader.readFile(file)).containsExactly(
        new PredictionReader.Prediction(7L, 1, "doc-3", 0.9f), new PredictionReader.Prediction(7L, 2, "doc-1", 0.5f));
  }

  @Test
  void textColumnsReadStringsAndIntegersAndNameWhatIsWrong() {
    try (PredictionWriter writer = new PredictionWriter(dir.resolve("a.parquet"), IdType.INT64, IdType.STRING)) {
      writer.write(42, null, 1, 0, "doc-9", 0.25f);
    }
    List<TextColumnsReader.Row> rows = TextColumnsReader.read(dir, List.of("query_id", "id", "rank"));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).values()).containsExactly("42", "doc-9", "1");
    assertThat(rows.get(0).file()).isEqualTo("a.parquet");
    assertThatThrownBy(() -> TextColumnsReader.read(dir, List.of("query_id", "relevant_id")))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("a.parquet").hasMessageContaining("'relevant_id'");
    assertThatThrownBy(() -> TextColumnsReader.read(dir, List.of("score")))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("not a string or an integer");
  }
}
