package io.embedflow.connectors.prefetch;

/**
 * One range from its reservation until it is handed to the consumer (or abandoned): its buffer, and which of
 * its parts have been sent and have arrived. Its mutable state is guarded by the owning prefetcher's lock,
 * except the buffer, which is allocated once, by whichever part is sent first.
 */
final class RangeFetch {
  final ByteRange range;
  final int index;
  private final long partSize;
  private final int partCount;
  private byte[] buffer;
  private int partsSent;
  private int partsDone;
  /** Whether the range may be asked for as a whole object; see {@link #asWholeObject()}. */
  private boolean mayBeWholeObject;
  /** Set when the range failed or the prefetcher closed: its parts' results are dropped, its bytes released. */
  boolean abandoned;

  private final java.util.function.IntFunction<byte[]> allocate;

  RangeFetch(ByteRange range, int index, long partSize, java.util.function.IntFunction<byte[]> allocate) {
    this.allocate = allocate;
    this.range = range;
    this.index = index;
    this.partSize = partSize;
    this.partCount = (int) ((range.length() + partSize - 1) / partSize);
    this.mayBeWholeObject = range.offset() == 0 && partCount == 1;
  }

  synchronized byte[] buffer() {
    if (buffer == null) {
      buffer = allocate.apply((int) range.length());
    }
    return buffer;
  }

  boolean hasUnsentParts() {
    return partsSent < partCount;
  }

  Part nextPart() {
    int partIndex = partsSent++;
    long inRange = partIndex * partSize;
    return new Part(this, partIndex, range.offset() + inRange, (int) inRange,
        (int) Math.min(partSize, range.length() - inRange));
  }

  /** Counts one part as arrived; {@code true} when that completes the range. */
  boolean partArrived() {
    return ++partsDone == partCount;
  }

  boolean isComplete() {
    return partsDone == partCount;
  }

  /**
   * Whether to ask for the whole object, without a {@code Range} header, so the store can send the object's
   * checksum: for a one-part range at offset 0, until a response shows the object is longer.
   */
  boolean asWholeObject() {
    return mayBeWholeObject;
  }

  void objectIsLonger() {
    mayBeWholeObject = false;
  }
}
