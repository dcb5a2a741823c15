package io.embedflow.connectors.parquet;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.LocalTableLocation;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a published embedding table into memory, for tests and tools. Only the data files listed
 * in the table's manifest are read, in manifest order; stray files in the directory or under the prefix are ignored.
 */
public final class EmbeddingTableReader {
  private static final List<String> COLUMNS =
      List.of(EmbeddingTableWriter.ID, EmbeddingTableWriter.EMBEDDING, EmbeddingTableWriter.CONTENT_HASH);
  private static final List<String> SCAN_COLUMNS = List.of(EmbeddingTableWriter.ID, EmbeddingTableWriter.EMBEDDING,
      EmbeddingTableWriter.CONTENT_HASH, EmbeddingTableWriter.TRUNCATED);

  private EmbeddingTableReader() {}

  /** All rows of the table in the local directory {@code tableDir}. */
  public static List<EmbeddingRow> readAll(Path tableDir) {
    try (TableLocation table = new LocalTableLocation(tableDir)) {
      return readAll(table);
    }
  }

  /**
   * All rows of the table at {@code location}: a local directory or {@code s3://bucket/prefix/}
   * (reached with {@link S3Settings#fromEnvironment()}); files on S3 are downloaded one at a time
   * and checked against the sizes and row counts the manifest records.
   */
  public static List<EmbeddingRow> readAll(String location) {
    try (TableLocation table = TableLocation.open(location, S3Settings.fromEnvironment())) {
      return readAll(table);
    }
  }

  /** All rows of the table at {@code table}, which the caller closes. */
  public static List<EmbeddingRow> readAll(TableLocation table) {
    List<EmbeddingRow> rows = new ArrayList<>();
    for (TableFile file : table.readManifest().files()) {
      rows.addAll(table.readFile(file, path -> TableRows.checkCount(table, file, readFile(path))));
    }
    return rows;
  }

  /** All rows of one embedding part file. */
  public static List<EmbeddingRow> readFile(Path file) {
    return TableRows.readAll(file, COLUMNS, slots -> new EmbeddingRow(
        slots.get(EmbeddingTableWriter.ID),
        (float[]) slots.get(EmbeddingTableWriter.EMBEDDING),
        (String) slots.get(EmbeddingTableWriter.CONTENT_HASH)));
  }

  /**
   * A row of a part file as {@link #scan} streams it.
   *
   * @param position 0-based index of the row in its file
   * @param id an {@link Integer}, {@link Long} or {@link String}, following the table's id type
   * @param embedding the vector, or null when the scan skipped vectors
   * @param contentHash {@link ContentHash} of the text the vector was computed from
   * @param truncated the text was cut to the model's maximum length ({@code false} in files without that column)
   */
  public record Stored(long position, Object id, float[] embedding, String contentHash, boolean truncated) {}

  /**
   * Streams the rows of one embedding part file in file order, holding one at a time; with
   * {@code withVectors} false the embedding column is not read at all (Parquet projects it away),
   * which is what an incremental refresh needs to learn which rows a table holds.
   */
  public static void scan(Path file, boolean withVectors, Consumer<Stored> consumer) {
    List<String> columns = withVectors ? SCAN_COLUMNS
        : List.of(EmbeddingTableWriter.ID, EmbeddingTableWriter.CONTENT_HASH, EmbeddingTableWriter.TRUNCATED);
    long[] position = {0};
    TableRows.forEach(file, columns, slots -> new Stored(position[0]++, slots.get(EmbeddingTableWriter.ID),
        (float[]) slots.get(EmbeddingTableWriter.EMBEDDING), (String) slots.get(EmbeddingTableWriter.CONTENT_HASH),
        Boolean.TRUE.equals(slots.get(EmbeddingTableWriter.TRUNCATED))), consumer);
  }
}
