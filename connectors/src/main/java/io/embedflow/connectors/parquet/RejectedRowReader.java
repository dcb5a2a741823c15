package io.embedflow.connectors.parquet;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.LocalTableLocation;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
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

  /** All rejected rows of the table in the local directory {@code tableDir}. */
  public static List<RejectedRow> readAll(Path tableDir) {
    try (TableLocation table = new LocalTableLocation(tableDir)) {
      return readAll(table);
    }
  }

  /**
   * All rejected rows of the table at {@code location}: a local directory or {@code s3://bucket/prefix/}
   * (reached with {@link S3Settings#fromEnvironment()}); files on S3 are downloaded one at a time
   * and checked against the sizes and row counts the manifest records.
   */
  public static List<RejectedRow> readAll(String location) {
    try (TableLocation table = TableLocation.open(location, S3Settings.fromEnvironment())) {
      return readAll(table);
    }
  }

  /** All rejected rows of the table at {@code table}, which the caller closes. */
  public static List<RejectedRow> readAll(TableLocation table) {
    List<RejectedRow> rows = new ArrayList<>();
    for (TableFile file : table.readManifest().rejectedFiles()) {
      rows.addAll(table.readFile(file, path -> TableRows.checkCount(table, file, readFile(path))));
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
