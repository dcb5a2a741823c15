package io.embedflow.connectors.io;

import io.embedflow.connectors.store.ObjectStore;
import java.io.EOFException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Parquet file in an {@link ObjectStore} (S3 above all), read with ranged reads pinned to the
 * object's ETag, so a file replaced while it is read fails instead of mixing two versions.
 *
 * <p>Small reads are served from a window of at least {@code readAhead} bytes fetched in one
 * request: Parquet reads the 8-byte tail, then the footer before it, then the column chunks, and a
 * window over the file's end turns the first two into one request. Reads at least as large as the
 * window go to the store directly. Not thread-safe, like the streams Parquet opens on it.
 */
public final class ObjectInputFile extends PositionalInputFile {
  /** The default window: footers of typical files fit, and one request per footer is the norm. */
  public static final int DEFAULT_READ_AHEAD = 256 * 1024;

  private final ObjectStore store;
  private final String key;
  private final String etag;
  private final int readAhead;
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private long windowStart = -1;
  private byte[] window = new byte[0];

  /**
   * @param name the file's name in messages ({@code s3://bucket/key})
   * @param size the object's size, from a listing
   * @param etag the object's ETag from that listing, or {@code null} to read whatever is there
   */
  public ObjectInputFile(ObjectStore store, String key, String name, long size, String etag, int readAhead) {
    super(name, size);
    this.store = Objects.requireNonNull(store, "store");
    this.key = Objects.requireNonNull(key, "key");
    this.etag = etag;
    if (readAhead < 1) {
      throw new IllegalArgumentException("readAhead must be positive, was " + readAhead);
    }
    this.readAhead = readAhead;
  }

  /** Bytes fetched from the store so far. */
  public long bytesRead() {
    return bytesRead.get();
  }

  /** Requests sent to the store so far. */
  public long requests() {
    return requests.get();
  }

  @Override
  protected void readAt(long position, byte[] buffer, int offset, int length) throws EOFException {
    if (position + length > getLength()) {
      throw new EOFException("cannot read " + length + " bytes at " + position + " of " + this);
    }
    if (windowStart >= 0 && position >= windowStart && position + length <= windowStart + window.length) {
      System.arraycopy(window, (int) (position - windowStart), buffer, offset, length);
      return;
    }
    if (length >= readAhead) {
      System.arraycopy(fetch(position, length), 0, buffer, offset, length);
      return;
    }
    // a window that ends at the file's end when the read is near it (the footer), else starts at the read
    long start = Math.max(0, Math.min(position, getLength() - readAhead));
    int size = (int) Math.min(readAhead, getLength() - start);
    window = fetch(start, size);
    windowStart = start;
    System.arraycopy(window, (int) (position - start), buffer, offset, length);
  }

  private byte[] fetch(long position, int length) {
    byte[] bytes = store.readRange(key, position, length, etag);
    requests.incrementAndGet();
    bytesRead.addAndGet(bytes.length);
    return bytes;
  }
}
