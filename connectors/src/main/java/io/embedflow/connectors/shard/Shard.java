package io.embedflow.connectors.shard;

import java.io.Serializable;
import java.util.Objects;

/**
 * The unit of parallel reading: one non-empty row group of one file.
 *
 * @param fileIndex index of {@code file} in {@link DatasetPlan#files()}
 * @param file absolute path of the Parquet file
 * @param rowGroup index of the row group within the file
 * @param firstRow index of the group's first row within its file
 * @param rowCount rows in the group (always &gt; 0)
 */
public record Shard(int fileIndex, String file, int rowGroup, long firstRow, long rowCount) implements Serializable {
  public Shard {
    Objects.requireNonNull(file, "file");
    if (fileIndex < 0 || rowGroup < 0 || firstRow < 0 || rowCount < 0) {
      throw new IllegalArgumentException("negative index or count in shard of " + file);
    }
  }
}
