package io.embedflow.connectors.prefetch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * Which part to send next, and the byte budget: ranges are reserved strictly in list order, a range only when
 * its whole length fits in what the budget has left, and then its parts are handed out in order; a part whose
 * backoff is over goes before any new part. Not thread-safe: the prefetcher's lock guards it.
 */
final class FetchQueue {
  private static final Comparator<Part> LIST_ORDER =
      Comparator.comparingInt((Part part) -> part.fetch.index).thenComparingInt(part -> part.index);

  private final List<ByteRange> ranges;
  private final long budget;
  private final long partSize;
  /** Ranges reserved and not yet handed to the consumer nor abandoned. */
  private final RangeFetch[] fetches;
  /** Parts in flight or waiting out a backoff. */
  private final Set<Part> active = new LinkedHashSet<>();
  /** Parts whose backoff is over, earliest in list order first. */
  private final PriorityQueue<Part> ready = new PriorityQueue<>(LIST_ORDER);
  private RangeFetch sending;
  private int nextToReserve;
  /** No range from here on is reserved: the index of a failed range, or the list's end. */
  private int end;
  private long reserved;
  private long peakReserved;

  private final java.util.function.IntFunction<byte[]> allocate;

  FetchQueue(List<ByteRange> ranges, long budget, long partSize, java.util.function.IntFunction<byte[]> allocate) {
    this.allocate = allocate;
    this.ranges = ranges;
    this.budget = budget;
    this.partSize = partSize;
    this.fetches = new RangeFetch[ranges.size()];
    this.end = ranges.size();
  }

  /** The next part to send, or {@code null} when every range that fits is sent and no retry is due. */
  Part next() {
    Part retry = ready.poll();
    if (retry != null) {
      return retry;
    }
    if (sending == null || !sending.hasUnsentParts()) {
      sending = null;
      if (nextToReserve >= end || reserved + ranges.get(nextToReserve).length() > budget) {
        return null;
      }
      ByteRange range = ranges.get(nextToReserve);
      reserved += range.length();
      peakReserved = Math.max(peakReserved, reserved);
      sending = new RangeFetch(range, nextToReserve, partSize, allocate);
      fetches[nextToReserve++] = sending;
    }
    Part part = sending.nextPart();
    active.add(part);
    return part;
  }

  /** {@code part}'s backoff is over: it goes out before new parts. */
  void retryNow(Part part) {
    ready.add(part);
  }

  void arrived(Part part) {
    active.remove(part);
  }

  /** The range at {@code index} if it is reserved and not yet taken or abandoned, else {@code null}. */
  RangeFetch fetch(int index) {
    return fetches[index];
  }

  /** Hands the range at {@code index} over: its bytes stay reserved until {@link #release}. */
  RangeFetch take(int index) {
    RangeFetch fetch = fetches[index];
    fetches[index] = null;
    return fetch;
  }

  void release(long bytes) {
    reserved -= bytes;
  }

  /**
   * Abandons the ranges from {@code index} on (a range failed): no more of them is reserved, and the bytes of
   * those reserved are given back. Returns the requests and backoffs of their parts, to cancel.
   */
  List<Future<?>> abandonFrom(int index) {
    List<Future<?>> toCancel = new ArrayList<>();
    end = Math.min(end, index);
    for (int i = index; i < nextToReserve; i++) {
      RangeFetch fetch = fetches[i];
      if (fetch != null) {
        fetch.abandoned = true;
        fetches[i] = null;
        reserved -= fetch.range.length();
      }
    }
    if (sending != null && sending.index >= index) {
      sending = null;
    }
    active.removeIf(part -> {
      if (part.fetch.index < index) {
        return false;
      }
      collect(part, toCancel);
      return true;
    });
    ready.removeIf(part -> part.fetch.index >= index);
    return toCancel;
  }

  /** Abandons everything (close): even ranges the consumer holds no longer count against the budget. */
  List<Future<?>> abandonAll() {
    List<Future<?>> toCancel = abandonFrom(0);
    reserved = 0;
    return toCancel;
  }

  long reserved() {
    return reserved;
  }

  long peakReserved() {
    return peakReserved;
  }

  private static void collect(Part part, List<Future<?>> toCancel) {
    if (part.call != null) {
      toCancel.add(part.call);
    }
    if (part.backoff != null) {
      toCancel.add(part.backoff);
    }
  }
}
