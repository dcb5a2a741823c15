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
import io.embedflow.connectors.store.ObjectStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** Transient faults between the prefetcher and S3Proxy, injected by {@link FaultProxy}, for both client kinds. */
@Timeout(60)
class S3PrefetcherFaultTest {
  private static final long PART = 256 * 1024;

  private static S3ProxyServer server;
  private static FaultProxy proxy;
  private static String bucket;
  private static final Map<AsyncClient, S3AsyncClient> CLIENTS = new EnumMap<>(AsyncClient.class);
  private static final Map<String, byte[]> OBJECTS = new HashMap<>();
  private static final List<ByteRange> RANGES = new ArrayList<>();

  @BeforeAll
  static void start() {
    server = S3ProxyServer.start();
    proxy = FaultProxy.start(server.endpoint());
    bucket = server.createBucket();
    for (int i = 0; i < 12; i++) {
      String key = "faults/object-" + i;
      byte[] bytes = content(1000 + i, i % 3 == 0 ? 700_000 : 200_000 + i);
      OBJECTS.put(key, bytes);
      RANGES.add(ByteRange.wholeObject(bucket, key, bytes.length, put(server, bucket, key, bytes)));
    }
    for (AsyncClient kind : List.of(AsyncClient.CRT, AsyncClient.JAVA)) {
      CLIENTS.put(kind, client(server.settings().withEndpoint(proxy.endpoint()), kind));
    }
  }

  @AfterAll
  static void stop() {
    CLIENTS.values().forEach(S3AsyncClient::close);
    proxy.close();
    server.close();
  }

  @AfterEach
  void clearFaults() {
    proxy.clearFaults();
  }

  private static PrefetchOptions options() {
    return PrefetchOptions.defaults().withPartSize(PART).withMaxConcurrency(4)
        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(20));
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void retriesEachTransientFaultOnceAndDeliversTheSameBytes(AsyncClient kind) {
    proxy.failNext(2, 503, "SlowDown");
    proxy.failNext(1, 500, "InternalError");
    proxy.resetMidBodyNext(2);
    proxy.truncateBodyNext(2);
    proxy.failNext(1, 503, "SlowDown");
    int faultsBefore = proxy.faultsInjected();
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(kind), RANGES, options())) {
      assertThat(drainAndCheck(prefetcher, RANGES, OBJECTS)).isEqualTo(RANGES.size());

      assertThat(proxy.faultsInjected() - faultsBefore).isEqualTo(8);
      if (kind == AsyncClient.JAVA) {
        assertThat(prefetcher.stats().retries()).isEqualTo(8);
      } else {
        // the CRT retries once by itself within an attempt (see S3Clients); only what it did not absorb is counted
        assertThat(prefetcher.stats().retries()).isBetween(0L, 8L);
      }
      assertThat(prefetcher.stats().bytesFetched()).isEqualTo(RANGES.stream().mapToLong(ByteRange::length).sum());
    }
  }

  @ParameterizedTest
  @EnumSource(value = AsyncClient.class, names = {"CRT", "JAVA"})
  void givesUpAfterMaxAttemptsWithATransientErrorNamingTheRange(AsyncClient kind) {
    proxy.failNext(3 * requestsPerAttempt(kind), 503, "SlowDown");
    try (S3Prefetcher prefetcher = new S3Prefetcher(CLIENTS.get(kind), RANGES.subList(1, 2),
        options().withMaxAttempts(3))) {
      assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("after 3 attempts")
          .hasMessageContaining("s3://" + bucket + "/faults/object-1")
          .hasMessageFindingMatch("SlowDown|throttling") // the Java client's S3 error code; the CRT's own words
          .satisfies(e -> assertThat(((ObjectStoreException) e).isTransient()).isTrue());
      assertThat(prefetcher.stats().retries()).isEqualTo(2);
      assertThat(prefetcher.stats().requests()).isEqualTo(3);
      assertThat(proxy.faultsPending()).as("HTTP requests per attempt as expected").isZero();
    }
  }

  /** HTTP requests one attempt of the prefetcher can make: the CRT client retries once by itself. */
  private static int requestsPerAttempt(AsyncClient kind) {
    return kind == AsyncClient.CRT ? 2 : 1;
  }
}
