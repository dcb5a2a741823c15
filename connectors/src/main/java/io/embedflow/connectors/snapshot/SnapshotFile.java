package io.embedflow.connectors.snapshot;

import io.embedflow.connectors.ConnectorException;
import java.util.regex.Pattern;

/**
 * One file of a model snapshot.
 *
 * @param path relative to the snapshot directory, {@code '/'}-separated, without {@code .} or
 *     {@code ..} segments
 * @param size bytes
 * @param sha256 lowercase hex SHA-256 of the content
 */
public record SnapshotFile(String path, long size, String sha256) {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public SnapshotFile {
    if (!isValidPath(path)) {
      throw new ConnectorException("invalid snapshot file path '" + path
          + "': expected a relative '/'-separated path without '.' or '..' segments");
    }
    if (size < 0) {
      throw new ConnectorException("snapshot file '" + path + "' has negative size " + size);
    }
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new ConnectorException("snapshot file '" + path + "' has an invalid sha256 '" + sha256 + "'");
    }
  }

  public static boolean isValidPath(String path) {
    if (path == null || path.isEmpty() || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
      return false;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
