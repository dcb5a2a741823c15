package io.embedflow.connectors.prefetch;

/**
 * A snapshot of an {@link S3Prefetcher}'s counters.
 *
 * @param bytesFetched bytes of parts that arrived complete and verified (failed attempts not counted)
 * @param requests GET requests sent, retries included
 * @param retries failed attempts that were retried after a backoff; a part that fails for good is not counted
 * @param requestsInFlight requests sent and not yet finished
 * @param bytesReserved bytes of the budget in use now: ranges being fetched, fetched and not yet taken, and taken
 *     and not yet closed
 * @param peakBytesReserved the most {@code bytesReserved} ever was; never above the byte budget
 * @param consumerWaitNanos the total time {@link S3Prefetcher#next()} spent waiting for a range
 * @param elapsedNanos the time from construction to now, or to {@link S3Prefetcher#close()}
 */
public record PrefetchStats(long bytesFetched, long requests, long retries, int requestsInFlight, long bytesReserved,
    long peakBytesReserved, long consumerWaitNanos, long elapsedNanos) {
  /** {@code bytesFetched} over {@code elapsedNanos}; 0 before any time has passed. */
  public double bytesPerSecond() {
    return elapsedNanos <= 0 ? 0 : bytesFetched * 1e9 / elapsedNanos;
  }
}
