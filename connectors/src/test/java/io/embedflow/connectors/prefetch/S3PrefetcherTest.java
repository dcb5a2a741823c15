package io.embedflow.connectors.prefetch;

import static io.embedflow.connectors.prefetch.TestObjects.client;
import static io.embedflow.connectors.prefetch.TestObjects.content;
import static io.embedflow.connectors.prefetch.TestObjects.drainAndCheck;
import static io.embedflow.connectors.prefetch.TestObjects.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.FaultProxy;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Settings.AsyncClient;
import io.embedflow.connectors.store.AccessDeniedException;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.ObjectStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** The prefetcher against S3Proxy: order, bytes, budget, failures, close. Small parts so that ranges split. */
@Timeout(60)
class S3PrefetcherTest {
  private static final int KIB = 1024;
  private static final long PART = 256 * KIB;
  private static final int[] SIZES = {1, 777, 64 * KIB, 256 * KIB, 256 * KIB + 1, 300 * KIB, 1024 * KIB + 7,
      2560 * KIB};

  private static S3ProxyServer server;
  private static String bucket;
  private static final Map<String, byte[]> OBJECTS = new HashMap<>();
  private static final Map<String, String> ETAGS = new HashMap<>();
  private static final List<String> KEYS = new ArrayList<>();
  private static final Map<AsyncClient, S3AsyncClient> CLIENTS = new EnumMap<>(AsyncClient.class);

  @BeforeAll
  static void upload() {
    server = S3ProxyServer.start();
    bucket = server.createBucket();
    for (int i = 0; i < 24; i++) {
      String key = "data/object-" + i + ".bin";
      byte[] bytes = content(i, SIZES[i % SIZES.length]);
      OBJECTS.put(key, bytes);
      ETAGS.put(key, put(server, bucket, key, bytes));
      KEYS.add(key);
    }
    for (AsyncClient kind : List.of(AsyncClient.CRT, AsyncClient.JAVA)) {
      CLIENTS.put(kind, client(server.settings(), kind));
    }
  }

  @AfterAll
  static void stop() {
    CLIENTS.values().forEach(S3AsyncClient::close);
    server.close();
  }

  private static PrefetchOptions options() {
    return PrefetchOptions.defaults().withPartSize(PART).withByteBudget(8L << 20).withMaxConcurrency(8)
        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(20));
  }

  private static ByteRange whole(String key) {
    return ByteRange.wholeObject(bucket, key, OBJECTS.get(key).length, ETAGS.get(key));
  }

  /** Whole objects of every size, then ranges inside objects: across part boundaries, at offset 0, at the end. */
  private static List<ByteRange> mixedRanges() {
    List<ByteRange> ranges = new ArrayList<>();
    KEYS.forEach(key -> ranges.add(whole(key)));
    String big = "data/object-7.bin";
    int size = OBJECTS.get(big).length;
    ranges.add(new ByteRange(bucket, big, 100_000, 900_000, Optional.of(ETAGS.get(big))));
    ranges.add(new ByteRange(bucket, big, 0, 1000, Optional.empty()));
    ranges.add(new ByteRange(bucket, big, size - 10, 10, Optional.empty()));
    ranges.add(new ByteRange(bucket, big, PART - 1, 2, Optional.empty()));
    ranges.add(whole("data/object-3.bin"));
    return ranges;
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void deliversEveryRangeInListOrderWithItsBytes(AsyncClient kind) {
    List<ByteRange> ranges = mixedRanges();
    long total = ranges.stream().mapToLong(ByteRange::length).sum();
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(kind), ranges, options())) {
      assertThat(drainAndCheck(prefetcher, ranges, OBJECTS)).isEqualTo(ranges.size());

      PrefetchStats stats = prefetcher.stats();
      assertThat(stats.bytesFetched()).isEqualTo(total);
      assertThat(stats.retries()).isZero();
      assertThat(stats.requestsInFlight()).isZero();
      assertThat(stats.bytesReserved()).isZero();
      assertThat(stats.peakBytesReserved()).isPositive().isLessThanOrEqualTo(options().byteBudget());
      // whole objects of up to one part in one request, longer ranges in parts, one extra for the prefix at 0
      assertThat(stats.requests()).isGreaterThan(ranges.size()).isLessThan(ranges.size() + total / PART + 2);
      assertThat(stats.bytesPerSecond()).isPositive();
      assertThatThrownBy(prefetcher::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void fetchesAheadOfASlowConsumerWithinTheBudget() throws InterruptedException {
    List<ByteRange> ranges = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ranges.add(whole("data/object-6.bin")); // 1 MiB + 7 bytes: five parts
    }
    long length = ranges.get(0).length();
    long budget = 3 * length + 1000;
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(AsyncClient.JAVA), ranges,
        options().withByteBudget(budget))) {
      FetchedRange first = null;
      for (int taken = 0; taken < ranges.size(); taken++) {
        // while the consumer is busy elsewhere, the next three ranges arrive, and the fourth waits for room
        long ahead = Math.min(ranges.size(), taken + 3) * length;
        await(() -> prefetcher.stats().bytesFetched() == ahead && prefetcher.stats().requestsInFlight() == 0);
        assertThat(prefetcher.stats().bytesReserved()).isEqualTo(ahead - taken * length);
        long waitedBefore = prefetcher.stats().consumerWaitNanos();

        FetchedRange range = prefetcher.next();
        assertThat(range.index()).isEqualTo(taken);
        assertThat(prefetcher.stats().consumerWaitNanos()).as("range %s was ready", taken).isEqualTo(waitedBefore);
        if (taken == 0) {
          first = range;
          Thread.sleep(100);
          assertThat(prefetcher.stats().bytesFetched()).as("a range the consumer holds keeps its bytes")
              .isEqualTo(3 * length);
        }
        range.close();
        range.close();
      }
      assertThat(prefetcher.hasNext()).isFalse();
      assertThat(prefetcher.stats().peakBytesReserved()).isEqualTo(3 * length).isLessThanOrEqualTo(budget);
      assertThat(prefetcher.stats().bytesReserved()).isZero();
      assertThatThrownBy(first::data).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aLaterRangeNeverTakesTheRoomAnEarlierOneWaitsFor() throws InterruptedException {
    ByteRange big = whole("data/object-5.bin"); // 300 KiB
    ByteRange small = whole("data/object-1.bin"); // 777 bytes
    List<ByteRange> ranges = List.of(big, big, small);
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(AsyncClient.JAVA), ranges,
        options().withByteBudget(big.length() + 1000))) {
      FetchedRange held = prefetcher.next();
      Thread.sleep(100);
      assertThat(prefetcher.stats().bytesReserved()).as("the small range waits behind the second big one")
          .isEqualTo(big.length());
      assertThat(prefetcher.stats().bytesFetched()).isEqualTo(big.length());

      held.close();
      prefetcher.next().close();
      prefetcher.next().close();
      assertThat(prefetcher.stats().peakBytesReserved()).isEqualTo(big.length() + small.length());
    }
  }

  @Test
  void rejectsARangeLongerThanTheBudget() {
    List<ByteRange> ranges = List.of(whole("data/object-0.bin"), whole("data/object-7.bin"));
    assertThatThrownBy(() -> new S3Prefetcher(CLIENTS.get(AsyncClient.JAVA), ranges, options().withByteBudget(1 << 20)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("s3://" + bucket + "/data/object-7.bin")
        .hasMessageContaining("byte budget");
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void aMissingKeyFailsFastAfterTheRangesBeforeIt(AsyncClient kind) {
    List<ByteRange> ranges = List.of(whole("data/object-1.bin"), ByteRange.wholeObject(bucket, "data/missing", 10, null),
        whole("data/object-2.bin"));
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(kind), ranges, options())) {
      prefetcher.next().close();
      long start = System.nanoTime();
      assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectNotFoundException.class)
          .hasMessageContaining("'data/missing'")
          .hasMessageContaining("bytes 0-9 of s3://" + bucket + "/data/missing");
      assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(2).toNanos());
      assertThatThrownBy(prefetcher::next).as("the failure stays").isInstanceOf(ObjectNotFoundException.class);
      assertThat(prefetcher.stats().retries()).isZero();
      assertThat(prefetcher.stats().bytesReserved()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void aMissingBucketIsAMissingObject(AsyncClient kind) {
    // a whole object in one part, and one in ranged parts: the CRT asks HEAD first for the former, and a HEAD's
    // 404 has no body to tell a missing bucket from a missing key
    List<ByteRange> ranges = List.of(ByteRange.wholeObject("no-such-bucket", "data/x", 10, null),
        ByteRange.wholeObject("no-such-bucket", "data/y", 3 * PART, null));
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(kind), ranges, options())) {
      assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectNotFoundException.class)
          .hasMessageContaining("s3://no-such-bucket/data/x");
      assertThat(prefetcher.stats().retries()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void wrongCredentialsAreAccessDeniedWithoutRetries(AsyncClient kind) {
    List<ByteRange> ranges = List.of(whole("data/object-1.bin"));
    try (S3AsyncClient client = client(server.settings(), kind, "not-the-secret");
        S3Prefetcher prefetcher = new S3Prefetcher(client, ranges, options())) {
      assertThatThrownBy(prefetcher::next).isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining("s3://" + bucket + "/data/object-1.bin")
          .hasMessageNotContaining("not-the-secret");
      assertThat(prefetcher.stats().retries()).isZero();
      assertThat(prefetcher.stats().requests()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void anObjectReplacedAfterPlanningFailsClearly(AsyncClient kind) {
    for (int size : new int[] {100 * KIB, 600 * KIB}) { // one part asked for whole, and three ranged parts
      String key = "replaced/" + kind + "-" + size;
      byte[] before = content(size, size);
      String etag = put(server, bucket, key, before);
      List<ByteRange> ranges = List.of(ByteRange.wholeObject(bucket, key, before.length, etag));
      put(server, bucket, key, content(size + 1, size));
      try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(kind), ranges, options())) {
        assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectStoreException.class)
            .hasMessageContaining("s3://" + bucket + "/" + key + " changed since planning")
            .satisfies(e -> assertThat(((ObjectStoreException) e).isTransient()).isFalse());
        assertThat(prefetcher.stats().retries()).isZero();
      }
    }
  }

  @Test
  void anObjectShorterThanPlannedFailsClearly() {
    String key = "data/object-4.bin"; // 256 KiB + 1
    List<ByteRange> ranges = List.of(ByteRange.wholeObject(bucket, key, 256 * KIB, null),
        new ByteRange(bucket, key, 1000, 256 * KIB, Optional.empty()));
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(AsyncClient.JAVA), ranges, options())) {
      try (FetchedRange prefix = prefetcher.next()) {
        assertThat(prefix.data().remaining()).isEqualTo(256 * KIB);
      }
      assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("too short for the planned range");
    }
  }

  @Test
  void closeMidStreamCancelsRequestsAndReleasesTheBudget() throws InterruptedException {
    List<ByteRange> ranges = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ranges.add(whole("data/object-7.bin"));
    }
    try (FaultProxy proxy = FaultProxy.start(server.endpoint());
        S3AsyncClient client = client(server.settings().withEndpoint(proxy.endpoint()), AsyncClient.JAVA)) {
      proxy.failNext(3, 503, "SlowDown");
      S3Prefetcher prefetcher = new S3Prefetcher(client, ranges,
          options().withByteBudget(32L << 20).withBackoff(Duration.ofMillis(200), Duration.ofMillis(400)));
      prefetcher.next().close();
      FetchedRange held = prefetcher.next();
      assertThat(prefetcher.stats().retries()).isEqualTo(3);

      prefetcher.close();
      prefetcher.close();

      PrefetchStats stats = prefetcher.stats();
      assertThat(stats.requestsInFlight()).isZero();
      assertThat(stats.bytesReserved()).isZero();
      assertThat(proxy.awaitIdle(Duration.ofSeconds(5))).as("no request still running").isTrue();
      await(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(thread -> thread.getName().equals("s3-prefetch-backoff")));
      assertThat(prefetcher.hasNext()).isFalse();
      assertThatThrownBy(prefetcher::next).isInstanceOf(IllegalStateException.class);
      held.close();
      assertThat(prefetcher.stats().bytesReserved()).isZero();
    }
  }

  /** Waits for a state that background threads reach, failing after 10 s. */
  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not reached within 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
