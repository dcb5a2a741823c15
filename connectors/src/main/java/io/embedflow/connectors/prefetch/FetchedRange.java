package io.embedflow.connectors.prefetch;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bytes of one range, complete and length-checked, handed out by {@link S3Prefetcher#next()}. Its bytes
 * count against the prefetcher's byte budget until {@link #close()}; close each one as soon as it is no longer
 * needed, on any thread, or the prefetcher stops fetching ahead. Use {@link #data()} only before closing.
 */
public final class FetchedRange implements AutoCloseable {
  private final S3Prefetcher owner;
  private final ByteRange range;
  private final int index;
  private final byte[] bytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  FetchedRange(S3Prefetcher owner, ByteRange range, int index, byte[] bytes) {
    this.owner = owner;
    this.range = range;
    this.index = index;
    this.bytes = bytes;
  }

  public ByteRange range() {
    return range;
  }

  /** The range's position in the prefetcher's list, from 0. */
  public int index() {
    return index;
  }

  /**
   * A new view of the bytes: position 0, limit {@code range().length()}, backed by an array so that
   * checksums, decoders and copies work on it in place. Views are independent of each other. The bytes
   * are the consumer's until {@link #close()}; after it the prefetcher reuses the array for a later
   * range, so no view may be used after closing.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public ByteBuffer data() {
    if (closed.get()) {
      throw new IllegalStateException("the bytes of " + range.describe() + " were given back (closed)");
    }
    return ByteBuffer.wrap(bytes, 0, (int) range.length()).slice();
  }

  byte[] bytes() {
    return bytes;
  }

  /** Gives the bytes back to the prefetcher's budget. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      owner.release(this);
    }
  }
}
