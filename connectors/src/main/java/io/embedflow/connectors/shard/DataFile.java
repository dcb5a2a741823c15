package io.embedflow.connectors.shard;

import java.io.Serializable;
import java.util.Objects;

/**
 * One file of a data snapshot.
 *
 * @param relativePath path relative to the dataset root, with {@code /} separators
 * @param sizeBytes size in bytes when the snapshot was taken
 * @param sha256 hex SHA-256 of the file's bytes
 */
public record DataFile(String relativePath, long sizeBytes, String sha256) implements Serializable {
  public DataFile {
    Objects.requireNonNull(relativePath, "relativePath");
    Objects.requireNonNull(sha256, "sha256");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes must be >= 0 for " + relativePath + ", was " + sizeBytes);
    }
  }
}
