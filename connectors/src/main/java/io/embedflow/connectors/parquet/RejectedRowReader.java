package io.embedflow.connectors.parquet;

import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a published table's rejected rows into memory, for tests and tools. Only the rejected
 * files listed in the table's manifest are read, in manifest order.
 */
public final class RejectedRowReader {
  private static final List<String> COLUMNS = List.of(RejectedRowWriter.ID, RejectedRowWriter.SOURCE_FILE,
      RejectedRowWriter.ROW, RejectedRowWriter.REASON, RejectedRowWriter.TEXT_PREFIX);

  private RejectedRowReader() {}

  /** All rejected rows of the table at {@code tableDir}. */
  public static List<RejectedRow> readAll(Path tableDir) {
    List<RejectedRow> rows = new ArrayList<>();
    for (TableFile file : TableManifest.read(tableDir).rejectedFiles()) {
      rows.addAll(readFile(tableDir.resolve(file.path())));
    }
    return rows;
  }

  /** All rows of one rejected-rows part file. */
  public static List<RejectedRow> readFile(Path file) {
    return TableRows.readAll(file, COLUMNS, slots -> {
      Object row = slots.get(RejectedRowWriter.ROW);
      return new RejectedRow(
          slots.get(RejectedRowWriter.ID),
          (String) slots.get(RejectedRowWriter.SOURCE_FILE),
          row == null ? -1 : ((Number) row).longValue(),
          (String) slots.get(RejectedRowWriter.REASON),
          (String) slots.get(RejectedRowWriter.TEXT_PREFIX));
    });
  }
}
