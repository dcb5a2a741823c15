package io.embedflow.connectors.store;

import java.util.Objects;

/**
 * What a store knows about one object without reading it.
 *
 * @param key the object's key in its store
 * @param size its length in bytes
 * @param etag the store's version tag, {@code null} when it has none ({@link LocalObjectStore}); for S3,
 *     the ETag without its quotes (the MD5 of the bytes for single-part uploads, something else for
 *     multipart uploads: compare ETags for equality only)
 */
public record ObjectInfo(String key, long size, String etag) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    if (size < 0) {
      throw new IllegalArgumentException("size of " + key + " must be >= 0, was " + size);
    }
  }
}
