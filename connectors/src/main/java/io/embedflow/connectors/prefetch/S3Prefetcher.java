package io.embedflow.connectors.prefetch;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.redact.Redaction;
import io.embedflow.connectors.store.ObjectStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Fetches a list of byte ranges from S3 ahead of a consumer, many requests at once, within a byte budget, and
 * hands them out in list order.
 *
 * <p><b>Budget.</b> A range's bytes are reserved before its first request is sent and given back when the
 * consumer closes its {@link FetchedRange}: the budget covers bytes in flight, fetched and not yet taken, and
 * held by the consumer, so {@link PrefetchStats#peakBytesReserved()} never exceeds
 * {@link PrefetchOptions#byteBudget()}. Ranges are reserved strictly in list order, so a later range never takes
 * the room the consumer's next range needs. A consumer that keeps ranges open must leave room for the next one:
 * {@link #next()} waits until some thread closes enough of them.
 *
 * <p><b>Requests.</b> A range longer than {@link PrefetchOptions#partSize()} is fetched as ranged GETs of at most
 * that size, in parallel, into one buffer; at most {@link PrefetchOptions#maxConcurrency()} requests are in
 * flight. Failures of a part are classified like the stores' ({@code S3Errors}): transient ones (HTTP 5xx,
 * throttling, timeouts, dropped connections, a body shorter or longer than asked for) are retried after an
 * exponential backoff with full jitter, up to {@link PrefetchOptions#maxAttempts()} attempts per part; permanent
 * ones (missing object or bucket, refused credentials, an object changed since planning) fail the range at
 * once. The client should retry as little as it can (see {@code S3Clients.createAsync}), or attempts multiply;
 * the CRT-based client retries once within each attempt, so {@link PrefetchStats#retries()} counts only what it
 * did not absorb.
 *
 * <p><b>What is verified.</b> Every response: that it covers exactly the requested bytes ({@code Content-Range}
 * or {@code Content-Length}) and that exactly that many bytes arrived. With an ETag, that every part comes from
 * that version of the object ({@code If-Match}). A one-part range at offset 0 is asked for without a
 * {@code Range} header and with {@code ChecksumMode.ENABLED}, so the SDK checks the object's checksum where
 * the store sends one (AWS S3 sends it for objects uploaded with a full-object checksum; composite multipart
 * checksums and most S3-compatible stores send none, and then only lengths are checked); should the object be
 * longer than the range, that response is dropped after its headers and the range is asked for again with a
 * {@code Range} header. Ranged GETs carry no checksum: their bytes are checked by length only (TLS protects
 * them on the way). The CRT-based client answers such a whole-object GET with a HEAD (for the checksum) and a
 * GET, one request more per range; and it splits a part larger than its own part size (8 MiB) again.
 *
 * <p><b>Failures.</b> {@link #next()} throws a range's failure when the consumer reaches that range; the ranges
 * before it are still handed out. From then on the prefetcher fetches nothing more, and every {@code next()}
 * throws the same exception.
 *
 * <p><b>Threads.</b> Requests run on the client's threads and their completions drive the fetching; a single
 * daemon thread, started at the first retry, times the backoffs. One consumer thread calls {@link #next()};
 * {@link #stats()}, {@link #close()} and {@link FetchedRange#close()} may be called from any thread. The
 * prefetcher does not own the client: close the client after the prefetcher.
 *
 * <pre>{@code
 * try (S3AsyncClient client = S3Clients.createAsync(settings);
 *     S3Prefetcher prefetcher = new S3Prefetcher(client, ranges, PrefetchOptions.defaults())) {
 *   while (prefetcher.hasNext()) {
 *     try (FetchedRange range = prefetcher.next()) {
 *       consume(range.data());
 *     }
 *   }
 * }
 * }</pre>
 */
public final class S3Prefetcher implements AutoCloseable {
  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final PartGetter getter;
  /** Buffers of closed ranges, for reuse; guarded by itself. */
  private final java.util.ArrayDeque<byte[]> spares = new java.util.ArrayDeque<>();
  private long spareBytes;
  private final List<ByteRange> ranges;
  private final PrefetchOptions options;
  private final FetchFailures failures;
  private final Backoff backoff;
  private final long startNanos = System.nanoTime();

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when a range completes or fails, when the budget frees up, and on close. */
  private final Condition changed = lock.newCondition();
  // guarded by lock
  private final FetchQueue queue;
  private int nextToDeliver;
  private int inFlight;
  private long bytesFetched;
  private long requests;
  private long retries;
  private long consumerWaitNanos;
  private ObjectStoreException failure;
  private int failedIndex = Integer.MAX_VALUE;
  private boolean closed;
  private long closedNanos;
  private ScheduledThreadPoolExecutor timer;

  /**
   * Starts fetching {@code ranges} at once.
   *
   * @param client an async client that does not retry by itself; the caller keeps owning it
   * @throws IllegalArgumentException when a range is longer than the byte budget or than one Java array
   */
  public S3Prefetcher(S3AsyncClient client, List<ByteRange> ranges, PrefetchOptions options) {
    this(asyncGetter(Objects.requireNonNull(client, "client")), endpointOf(client),
        client.getClass().getSimpleName().contains("Crt"), ranges, options);
  }

  /**
   * Starts fetching {@code ranges} at once with the blocking client, on one thread of the prefetcher's own
   * per request in flight: the cheapest path in CPU per byte (see {@code embedflow bench s3}).
   *
   * @param client a client that does not retry by itself ({@link io.embedflow.connectors.s3.S3Clients#createUnretried});
   *     the caller keeps owning it
   * @throws IllegalArgumentException when a range is longer than the byte budget or than one Java array
   */
  public S3Prefetcher(S3Client client, List<ByteRange> ranges, PrefetchOptions options) {
    this(new BlockingPartGetter(Objects.requireNonNull(client, "client"), options.maxConcurrency()),
        endpointOf(client.serviceClientConfiguration()), false, ranges, options);
  }

  private static PartGetter asyncGetter(S3AsyncClient client) {
    return new PartGetter() {
      @Override
      public CompletableFuture<GetObjectResponse> get(GetObjectRequest request, PartTransformer transformer) {
        return client.getObject(request, transformer);
      }

      @Override
      public void close() {}
    };
  }

  private S3Prefetcher(PartGetter getter, String endpoint, boolean crtClient, List<ByteRange> ranges,
      PrefetchOptions options) {
    this.getter = getter;
    this.ranges = List.copyOf(ranges);
    this.options = Objects.requireNonNull(options, "options");
    for (ByteRange range : this.ranges) {
      if (range.length() > options.byteBudget()) {
        throw new IllegalArgumentException(range.describe() + " is " + range.length()
            + " bytes, more than the byte budget of " + options.byteBudget()
            + " bytes; raise PrefetchOptions.byteBudget or split the range");
      }
      if (range.length() > PrefetchOptions.MAX_PART_SIZE) {
        throw new IllegalArgumentException(range.describe() + " is " + range.length()
            + " bytes, more than one buffer can hold (" + PrefetchOptions.MAX_PART_SIZE + "); split the range");
      }
    }
    this.queue = new FetchQueue(this.ranges, options.byteBudget(), options.partSize(), this::allocate);
    // the CRT-based client (S3AsyncClient.crtBuilder()) reports its failures differently; see FetchFailures
    this.failures = new FetchFailures(endpoint, crtClient);
    this.backoff = new Backoff(options.initialBackoff(), options.maxBackoff());
    pump();
  }

  /** Whether a range remains to be taken; {@code false} once closed. A failed range still counts as remaining. */
  public boolean hasNext() {
    lock.lock();
    try {
      return !closed && nextToDeliver < ranges.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next range in list order, waiting until all its bytes have arrived.
   *
   * @throws ObjectStoreException the range's failure: permanent ({@link ObjectStoreException#isTransient()}
   *     {@code false}: missing object or bucket, access denied, object changed since planning) or transient
   *     with its attempts used up; the message names the range and the object
   * @throws NoSuchElementException when all ranges have been taken
   * @throws IllegalStateException when the prefetcher is or gets closed
   * @throws ConnectorException when the thread is interrupted while waiting (the interrupt flag stays set)
   */
  public FetchedRange next() {
    lock.lock();
    try {
      checkOpen();
      if (nextToDeliver >= ranges.size()) {
        throw new NoSuchElementException("all " + ranges.size() + " ranges have been taken");
      }
      long waitStart = 0;
      boolean waited = false;
      try {
        while (true) {
          if (nextToDeliver >= failedIndex) {
            throw failure;
          }
          RangeFetch fetch = queue.fetch(nextToDeliver);
          if (fetch != null && fetch.isComplete()) {
            queue.take(nextToDeliver++);
            return new FetchedRange(this, fetch.range, fetch.index, fetch.buffer());
          }
          checkOpen();
          if (!waited) {
            waited = true;
            waitStart = System.nanoTime();
          }
          changed.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ConnectorException("interrupted while waiting for " + ranges.get(nextToDeliver).describe(), e);
      } finally {
        if (waited) {
          consumerWaitNanos += System.nanoTime() - waitStart;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** A consistent snapshot of the counters; any thread. */
  public PrefetchStats stats() {
    lock.lock();
    try {
      long end = closed ? closedNanos : System.nanoTime();
      return new PrefetchStats(bytesFetched, requests, retries, inFlight, queue.reserved(), queue.peakReserved(),
          consumerWaitNanos, end - startNanos);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Cancels every request in flight and every pending retry, gives back the whole budget (ranges the consumer
   * still holds keep their bytes, but no longer count), stops the backoff thread, and returns once no request
   * of this prefetcher is in flight. Idempotent; any thread.
   */
  @Override
  public void close() {
    List<Future<?>> toCancel;
    ScheduledThreadPoolExecutor timerToStop;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closedNanos = System.nanoTime();
      toCancel = queue.abandonAll();
      timerToStop = timer;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    cancel(toCancel);
    if (timerToStop != null) {
      timerToStop.shutdownNow();
    }
    awaitNoneInFlight();
    getter.close();
  }

  /**
   * A buffer for a range of {@code length} bytes: a spare one of exactly that length given back by the
   * consumer, else a new one. Reuse spares the allocation and zeroing of large arrays (objects of one size
   * are the common case), which otherwise cost as much CPU as receiving the bytes.
   */
  private byte[] allocate(int length) {
    synchronized (spares) {
      for (java.util.Iterator<byte[]> it = spares.iterator(); it.hasNext(); ) {
        byte[] spare = it.next();
        if (spare.length == length) {
          it.remove();
          spareBytes -= length;
          return spare;
        }
      }
    }
    return new byte[length];
  }

  /** Keeps a closed range's buffer for reuse, up to a quarter of the budget (at least one buffer) in spares. */
  private void keepSpare(byte[] bytes) {
    synchronized (spares) {
      while (!spares.isEmpty() && spareBytes + bytes.length > Math.max(bytes.length, options.byteBudget() / 4)) {
        spareBytes -= spares.removeFirst().length;
      }
      if (spareBytes + bytes.length <= Math.max(bytes.length, options.byteBudget() / 4)) {
        spares.addLast(bytes);
        spareBytes += bytes.length;
      }
    }
  }

  void release(FetchedRange range) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      keepSpare(range.bytes());
      queue.release(range.range().length());
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    pump();
  }

  /** Sends as many parts as the concurrency and the budget allow: retries first, then new parts in list order. */
  private void pump() {
    List<Part> toSend = null;
    lock.lock();
    try {
      while (!closed && inFlight < options.maxConcurrency()) {
        Part part = queue.next();
        if (part == null) {
          break;
        }
        part.attempts++;
        inFlight++;
        requests++;
        if (toSend == null) {
          toSend = new ArrayList<>();
        }
        toSend.add(part);
      }
    } finally {
      lock.unlock();
    }
    if (toSend != null) {
      toSend.forEach(this::send);
    }
  }

  private void send(Part part) {
    boolean wholeObject = part.fetch.asWholeObject();
    CompletableFuture<GetObjectResponse> call;
    try {
      call = getter.get(part.request(wholeObject), part.transformer(wholeObject));
    } catch (RuntimeException | OutOfMemoryError e) {
      // reported as the range's failure: an error thrown here would leave the part in flight for ever
      call = CompletableFuture.failedFuture(e);
    }
    boolean cancelNow;
    lock.lock();
    try {
      cancelNow = closed || part.fetch.abandoned;
      if (!cancelNow) {
        part.call = call;
      }
    } finally {
      lock.unlock();
    }
    if (cancelNow) {
      call.cancel(true);
    }
    call.whenComplete((response, error) -> finished(part, error));
  }

  private void finished(Part part, Throwable error) {
    // classified before taking the lock; whenComplete would swallow anything thrown here, and the consumer wait for ever
    ObjectStoreException failure = error == null || FetchFailures.isLongerObject(error) ? null
        : classify(error, part.fetch.range);
    List<Future<?>> toCancel = null;
    lock.lock();
    try {
      inFlight--;
      part.call = null;
      if (closed || part.fetch.abandoned) {
        changed.signalAll();
        return;
      }
      if (error == null) {
        queue.arrived(part);
        bytesFetched += part.length;
        if (part.fetch.partArrived()) {
          changed.signalAll();
        }
      } else if (FetchFailures.isLongerObject(error)) {
        part.fetch.objectIsLonger();
        part.attempts--;
        queue.retryNow(part);
      } else if (failure.isTransient() && part.attempts < options.maxAttempts()) {
        retries++;
        part.backoff = timer().schedule(() -> backoffOver(part), backoff.delayNanos(part.attempts),
            TimeUnit.NANOSECONDS);
      } else {
        toCancel = fail(part.fetch.index,
            failure.isTransient() ? failures.exhausted(failure, part.fetch.range, part.attempts) : failure);
      }
    } finally {
      lock.unlock();
    }
    cancel(toCancel);
    pump();
  }

  private ObjectStoreException classify(Throwable error, ByteRange range) {
    try {
      return failures.translate(error, range);
    } catch (RuntimeException bug) {
      ObjectStoreException e = new ObjectStoreException("cannot read " + range.describe() + ": " + error, error, false);
      e.addSuppressed(bug);
      return e;
    }
  }

  private void backoffOver(Part part) {
    lock.lock();
    try {
      part.backoff = null;
      if (closed || part.fetch.abandoned) {
        return;
      }
      queue.retryNow(part);
    } finally {
      lock.unlock();
    }
    pump();
  }

  /**
   * Records that range {@code index} failed: it and every later range are abandoned and their bytes given back.
   * An earlier failure stays the one reported. Returns the requests and timers to cancel, outside the lock.
   */
  private List<Future<?>> fail(int index, ObjectStoreException e) {
    if (index >= failedIndex) {
      return List.of();
    }
    failure = e;
    failedIndex = index;
    changed.signalAll();
    return queue.abandonFrom(index);
  }

  private static void cancel(List<Future<?>> futures) {
    if (futures != null) {
      futures.forEach(future -> future.cancel(true));
    }
  }

  /** Waits for requests that other threads were sending while close() ran; they cancel themselves. */
  private void awaitNoneInFlight() {
    lock.lock();
    try {
      long left = CLOSE_WAIT_NANOS;
      while (inFlight > 0 && left > 0) {
        left = changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private ScheduledThreadPoolExecutor timer() {
    if (timer == null) {
      timer = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "s3-prefetch-backoff");
        thread.setDaemon(true);
        return thread;
      });
      timer.setRemoveOnCancelPolicy(true);
      timer.setKeepAliveTime(1, TimeUnit.SECONDS);
      timer.allowCoreThreadTimeOut(true);
    }
    return timer;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the prefetcher is closed");
    }
  }

  private static String endpointOf(S3AsyncClient client) {
    try {
      return endpointOf(client.serviceClientConfiguration());
    } catch (RuntimeException e) {
      return "S3";
    }
  }

  private static String endpointOf(software.amazon.awssdk.services.s3.S3ServiceClientConfiguration configuration) {
    return configuration.endpointOverride().map(uri -> Redaction.redact(uri.toString()))
        .orElseGet(() -> "AWS S3 (" + configuration.region() + ")");
  }
}
