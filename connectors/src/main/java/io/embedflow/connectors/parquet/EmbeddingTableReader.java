package io.embedflow.connectors.parquet;

import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a published embedding table into memory, for tests and tools. Only the data files listed
 * in the table's manifest are read, in manifest order; stray files in the directory are ignored.
 */
public final class EmbeddingTableReader {
  private static final List<String> COLUMNS =
      List.of(EmbeddingTableWriter.ID, EmbeddingTableWriter.EMBEDDING, EmbeddingTableWriter.CONTENT_HASH);

  private EmbeddingTableReader() {}

  /** All rows of the table at {@code tableDir}. */
  public static List<EmbeddingRow> readAll(Path tableDir) {
    List<EmbeddingRow> rows = new ArrayList<>();
    for (TableFile file : TableManifest.read(tableDir).files()) {
      rows.addAll(readFile(tableDir.resolve(file.path())));
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
