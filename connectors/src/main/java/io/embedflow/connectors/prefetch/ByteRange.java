package io.embedflow.connectors.prefetch;

import java.util.Objects;
import java.util.Optional;

/**
 * Bytes {@code [offset, offset + length)} of one S3 object, as planned before reading.
 *
 * <p>With an {@code etag}, every request for the range carries {@code If-Match}: an object replaced after
 * planning fails with a permanent "changed since planning" error (HTTP 412) instead of mixing bytes of two
 * versions. Without one, nothing ties the parts of a range to one version of the object.
 *
 * <pre>{@code
 * ByteRange whole = ByteRange.wholeObject("bucket", "data/part-0.parquet", info.size(), info.etag());
 * ByteRange footer = new ByteRange("bucket", "data/part-0.parquet", size - 8, 8, Optional.of(etag));
 * }</pre>
 *
 * @param bucket the bucket; not blank
 * @param key the object key; not empty
 * @param offset the first byte; at least 0
 * @param length the number of bytes; at least 1
 * @param etag the object's ETag when known, quoted or not; not blank when present
 */
public record ByteRange(String bucket, String key, long offset, long length, Optional<String> etag) {
  public ByteRange {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(etag, "etag");
    if (bucket.isBlank()) {
      throw new IllegalArgumentException("bucket is blank for key '" + key + "'");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key is empty in bucket '" + bucket + "'");
    }
    if (key.endsWith("/")) {
      // an object's bytes are fetched by its own key; "dir/" names a folder, which S3 answers with 404
      throw new IllegalArgumentException("key '" + key + "' in bucket '" + bucket + "' ends with '/': not an object's key");
    }
    String where = "s3://" + bucket + "/" + key;
    if (offset < 0) {
      throw new IllegalArgumentException("offset of a range of " + where + " must be at least 0, was " + offset);
    }
    if (length <= 0) {
      throw new IllegalArgumentException("length of a range of " + where + " must be positive, was " + length
          + (offset == 0 ? " (empty objects have no bytes to fetch; skip them when planning)" : ""));
    }
    if (offset > Long.MAX_VALUE - length) {
      throw new IllegalArgumentException("range of " + where + " at offset " + offset + " with length " + length
          + " ends beyond the largest long");
    }
    if (etag.isPresent() && etag.get().isBlank()) {
      throw new IllegalArgumentException("etag of " + where + " is blank; pass null or Optional.empty() when unknown");
    }
  }

  /**
   * All {@code size} bytes of an object.
   *
   * @param etag the object's ETag, or {@code null} when unknown
   * @throws IllegalArgumentException when {@code size} is not positive
   */
  public static ByteRange wholeObject(String bucket, String key, long size, String etag) {
    return new ByteRange(bucket, key, 0, size, Optional.ofNullable(etag));
  }

  /** The offset one past the last byte. */
  public long end() {
    return offset + length;
  }

  /** {@code bytes 100-199 of s3://bucket/key}: the range as HTTP writes it (last byte inclusive), for messages. */
  public String describe() {
    return "bytes " + offset + "-" + (end() - 1) + " of s3://" + bucket + "/" + key;
  }
}
