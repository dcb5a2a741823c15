package io.embedflow.connectors.parquet;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row of an embedding table, as read by {@link EmbeddingTableReader}.
 *
 * @param id an {@link Integer}, {@link Long} or {@link String}, following the table's id type
 * @param embedding the vector
 * @param contentHash {@link ContentHash} of the text the vector was computed from
 */
public record EmbeddingRow(Object id, float[] embedding, String contentHash) {
  @Override
  public boolean equals(Object o) {
    return o instanceof EmbeddingRow
        && Objects.equals(id, ((EmbeddingRow) o).id)
        && Arrays.equals(embedding, ((EmbeddingRow) o).embedding)
        && Objects.equals(contentHash, ((EmbeddingRow) o).contentHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, Arrays.hashCode(embedding), contentHash);
  }

  @Override
  public String toString() {
    return "EmbeddingRow[id=" + id + ", embedding=" + Arrays.toString(embedding) + ", contentHash=" + contentHash + "]";
  }
}
