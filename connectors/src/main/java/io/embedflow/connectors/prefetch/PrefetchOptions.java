package io.embedflow.connectors.prefetch;

import java.time.Duration;
import java.util.Objects;

/**
 * How much an {@link S3Prefetcher} may hold and how hard it pulls. Immutable; validated at construction, with
 * messages that name the offending field.
 *
 * <pre>{@code
 * PrefetchOptions options = PrefetchOptions.defaults()
 *     .withByteBudget(1L << 30)
 *     .withMaxConcurrency(32)
 *     .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10));
 * }</pre>
 *
 * @param byteBudget the most bytes reserved at once: requested, fetched and not yet consumed, or held by the
 *     consumer; every range must fit in it; positive
 * @param maxConcurrency the most GET requests in flight at once; at least 1
 * @param partSize ranges longer than this are fetched as several ranged GETs of at most this many bytes, in
 *     parallel; positive, at most {@value #MAX_PART_SIZE}
 * @param maxAttempts the most attempts per part, the first included, before a transient failure becomes the
 *     range's failure; at least 1
 * @param initialBackoff the cap on the delay before the first retry; each later retry doubles it; not negative
 * @param maxBackoff the largest cap on any delay; at least {@code initialBackoff}
 */
public record PrefetchOptions(long byteBudget, int maxConcurrency, long partSize, int maxAttempts,
    Duration initialBackoff, Duration maxBackoff) {
  /** The largest part: one Java array. */
  public static final long MAX_PART_SIZE = Integer.MAX_VALUE - 8;

  public PrefetchOptions {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (byteBudget <= 0) {
      throw new IllegalArgumentException("byteBudget must be positive, was " + byteBudget);
    }
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency must be at least 1, was " + maxConcurrency);
    }
    if (partSize <= 0 || partSize > MAX_PART_SIZE) {
      throw new IllegalArgumentException("partSize must be between 1 and " + MAX_PART_SIZE + " bytes, was " + partSize);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (initialBackoff.isNegative()) {
      throw new IllegalArgumentException("initialBackoff must not be negative, was " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff must be at least initialBackoff (" + initialBackoff + "), was "
          + maxBackoff);
    }
  }

  /** 256 MiB budget, 16 requests in flight, 8 MiB parts, 5 attempts, backoff from 50 ms up to 5 s. */
  public static PrefetchOptions defaults() {
    return new PrefetchOptions(256L << 20, 16, 8L << 20, 5, Duration.ofMillis(50), Duration.ofSeconds(5));
  }

  public PrefetchOptions withByteBudget(long newByteBudget) {
    return new PrefetchOptions(newByteBudget, maxConcurrency, partSize, maxAttempts, initialBackoff, maxBackoff);
  }

  public PrefetchOptions withMaxConcurrency(int newMaxConcurrency) {
    return new PrefetchOptions(byteBudget, newMaxConcurrency, partSize, maxAttempts, initialBackoff, maxBackoff);
  }

  public PrefetchOptions withPartSize(long newPartSize) {
    return new PrefetchOptions(byteBudget, maxConcurrency, newPartSize, maxAttempts, initialBackoff, maxBackoff);
  }

  public PrefetchOptions withMaxAttempts(int newMaxAttempts) {
    return new PrefetchOptions(byteBudget, maxConcurrency, partSize, newMaxAttempts, initialBackoff, maxBackoff);
  }

  public PrefetchOptions withBackoff(Duration newInitialBackoff, Duration newMaxBackoff) {
    return new PrefetchOptions(byteBudget, maxConcurrency, partSize, maxAttempts, newInitialBackoff, newMaxBackoff);
  }
}
