package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The check every {@link TableLocation} makes before it publishes: each file the manifest lists was
 * staged exactly once with the listed size, and the row counts add up. Each location supplies only
 * how to find a staged file's size.
 */
final class ManifestCheck {
  /** The staged files of one run. */
  interface Staged {
    /** The size of the staged file at the table-relative {@code path}, or empty when there is none. */
    OptionalLong size(String path);

    /** Where {@code path} is staged, for messages. */
    String describe(String path);
  }

  private ManifestCheck() {}

  /**
   * Checks {@code manifest} against {@code staged}.
   *
   * @return every listed file by path
   * @throws ConnectorException naming the run and the first file or count that does not match
   */
  static Map<String, TableFile> check(TableManifest manifest, Staged staged) {
    Map<String, TableFile> listed = new HashMap<>();
    long rows = checkFiles(manifest, manifest.files(), staged, listed);
    long rejected = checkFiles(manifest, manifest.rejectedFiles(), staged, listed);
    if (rows != manifest.rowCount()) {
      throw new ConnectorException("manifest of run " + manifest.runId() + " says rowCount " + manifest.rowCount()
          + " but its files hold " + rows + " rows");
    }
    if (rejected != manifest.rejectedCount()) {
      throw new ConnectorException("manifest of run " + manifest.runId() + " says rejectedCount "
          + manifest.rejectedCount() + " but its rejected files hold " + rejected + " rows");
    }
    return listed;
  }

  private static long checkFiles(TableManifest manifest, List<TableFile> files, Staged staged,
      Map<String, TableFile> listed) {
    String runId = manifest.runId();
    long rows = 0;
    for (TableFile file : files) {
      if (file.path().equals(TableManifest.FILE_NAME) || listed.put(file.path(), file) != null) {
        throw new ConnectorException("manifest of run " + runId + " lists " + file.path() + " twice or as a data file");
      }
      OptionalLong size = staged.size(file.path());
      if (size.isEmpty()) {
        throw new ConnectorException("manifest of run " + runId + " lists " + file.path() + " but "
            + staged.describe(file.path()) + " does not exist");
      }
      if (size.getAsLong() != file.sizeBytes()) {
        throw new ConnectorException("manifest of run " + runId + " lists " + file.path() + " with " + file.sizeBytes()
            + " bytes but " + staged.describe(file.path()) + " has " + size.getAsLong() + " bytes");
      }
      rows += file.rows();
    }
    return rows;
  }
}
