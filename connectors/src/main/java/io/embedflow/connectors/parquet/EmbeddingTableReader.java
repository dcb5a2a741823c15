package io.embedflow.connectors.parquet;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.LocalTableLocation;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a published embedding table into memory, for tests and tools. Only the data files listed
 * in the table's manifest are read, in manifest order; stray files in the directory or under the prefix are ignored.
 */
public final class EmbeddingTableReader {
  private static final List<String> COLUMNS =
      List.of(EmbeddingTableWriter.ID, EmbeddingTableWriter.EMBEDDING, EmbeddingTableWriter.CONTENT_HASH);

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
}
