package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One file of a published table.
 *
 * @param path path relative to the table directory with {@code /} separators, e.g.
 *     {@code part-00000.parquet} or {@code _rejected/part-00000.parquet}; never absolute, never {@code ..}
 * @param rows rows in the file
 * @param sizeBytes size of the file in bytes
 */
public record TableFile(String path, long rows, long sizeBytes) implements Serializable {
  public TableFile {
    Objects.requireNonNull(path, "path");
    if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.equals("..") || path.startsWith("../")
        || path.contains("/../") || path.endsWith("/..")) {
      throw new ConnectorException("table file path '" + path + "' must be relative to the table directory, with '/'"
          + " separators and no '..'");
    }
    if (rows < 0 || sizeBytes < 0) {
      throw new ConnectorException("table file " + path + " has negative rows or size");
    }
  }

  /**
   * Describes {@code file}, a finished file inside {@code tableDir} (usually a staging directory),
   * reading its size from disk.
   */
  public static TableFile of(Path tableDir, Path file, long rows) {
    Path relative = tableDir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
    try {
      return new TableFile(relative.toString().replace(file.getFileSystem().getSeparator(), "/"), rows,
          Files.size(file));
    } catch (IOException e) {
      throw new ConnectorException("cannot read the size of " + file + ": " + e.getMessage(), e);
    }
  }
}
