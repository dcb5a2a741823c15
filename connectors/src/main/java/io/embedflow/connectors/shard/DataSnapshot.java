package io.embedflow.connectors.shard;

import io.embedflow.connectors.internal.Sha256;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The exact input of a run: its data files with sizes and checksums, hashed to an id.
 *
 * @param id hex SHA-256 over the canonical text of {@code files} (see {@link #of})
 * @param files the files, sorted by relative path
 */
public record DataSnapshot(String id, List<DataFile> files) implements Serializable {
  public DataSnapshot {
    Objects.requireNonNull(id, "id");
    files = List.copyOf(files);
  }

  /**
   * Builds a snapshot whose id is the hex SHA-256 of the files sorted by relative path, each
   * written as {@code path\tsize\tsha256\n}. The id depends only on the set of files, not on the
   * order they are given in.
   */
  public static DataSnapshot of(List<DataFile> files) {
    List<DataFile> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(DataFile::relativePath));
    MessageDigest digest = Sha256.newDigest();
    StringBuilder line = new StringBuilder(160);
    for (DataFile file : sorted) {
      line.setLength(0);
      line.append(file.relativePath()).append('\t').append(file.sizeBytes()).append('\t').append(file.sha256()).append('\n');
      digest.update(line.toString().getBytes(StandardCharsets.UTF_8));
    }
    return new DataSnapshot(Sha256.hex(digest.digest()), sorted);
  }
}
