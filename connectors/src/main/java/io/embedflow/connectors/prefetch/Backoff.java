package io.embedflow.connectors.prefetch;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: before retry {@code n} (1 for the first), wait a uniformly random time
 * between 0 and {@code min(max, initial * 2^(n-1))}. Full jitter spreads the retries of many parts that failed
 * together (a throttled prefix, a restarted server) instead of sending them back in one burst.
 */
final class Backoff {
  private final long initialNanos;
  private final long maxNanos;

  Backoff(Duration initial, Duration max) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
  }

  long delayNanos(int retry) {
    long cap = initialNanos;
    for (int i = 1; i < retry && cap < maxNanos; i++) {
      cap = cap > maxNanos / 2 ? maxNanos : cap * 2;
    }
    cap = Math.min(cap, maxNanos);
    return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
  }
}
