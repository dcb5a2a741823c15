package io.embedflow.connectors.shard;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The unit of parallel reading: one non-empty row group of one file, with where its bytes are, so
 * that a reader can fetch them ahead (see {@link #ranges()}).
 *
 * @param fileIndex index of {@code file} in {@link DatasetPlan#files()}
 * @param file the Parquet file: an absolute local path or an {@code s3://bucket/key} URI
 * @param rowGroup index of the row group within the file
 * @param firstRow index of the group's first row within its file
 * @param rowCount rows in the group (always &gt; 0)
 * @param fileSize the file's size when it was planned
 * @param fileVersion the file's version when it was planned: {@code etag:…} for objects, the hex
 *     SHA-256 for local files (as in the {@link DataSnapshot})
 * @param tailLength bytes at the end of the file that hold the footer (footer, its length and the magic)
 * @param columnChunks the byte spans of the id and text column chunks of this row group, merged
 *     where adjacent, in file order
 */
public record Shard(int fileIndex, String file, int rowGroup, long firstRow, long rowCount, long fileSize,
    String fileVersion, long tailLength, List<ByteSpan> columnChunks) implements Serializable {
  public Shard {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(fileVersion, "fileVersion");
    columnChunks = List.copyOf(columnChunks);
    if (fileIndex < 0 || rowGroup < 0 || firstRow < 0 || rowCount < 0 || fileSize < 0 || tailLength < 0
        || tailLength > fileSize) {
      throw new IllegalArgumentException("negative index, count or size in shard of " + file);
    }
  }

  /** The ETag a read must match, or {@code null} for local files. */
  public String etag() {
    return fileVersion.startsWith("etag:") ? fileVersion.substring(5) : null;
  }

  /** Everything a reader of this shard touches: the file's tail, then the column chunks. */
  public List<ByteSpan> ranges() {
    List<ByteSpan> ranges = new java.util.ArrayList<>(columnChunks.size() + 1);
    if (tailLength > 0) {
      ranges.add(new ByteSpan(fileSize - tailLength, tailLength));
    }
    ranges.addAll(columnChunks);
    return ranges;
  }

  /** Bytes of {@link #ranges()}. */
  public long bytesToRead() {
    return ranges().stream().mapToLong(ByteSpan::length).sum();
  }
}
