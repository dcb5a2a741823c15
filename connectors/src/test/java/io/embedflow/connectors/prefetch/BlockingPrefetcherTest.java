package io.embedflow.connectors.prefetch;

import static io.embedflow.connectors.prefetch.TestObjects.content;
import static io.embedflow.connectors.prefetch.TestObjects.drainAndCheck;
import static io.embedflow.connectors.prefetch.TestObjects.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.FaultProxy;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.store.AccessDeniedException;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.ObjectStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/** The prefetcher on the blocking client: the same guarantees as on the async clients. */
@Timeout(60)
class BlockingPrefetcherTest {
  private static final long PART = 256 * 1024;

  private static S3ProxyServer server;
  private static FaultProxy proxy;
  private static String bucket;
  private static S3Client direct;
  private static S3Client throughProxy;
  private static final Map<String, byte[]> OBJECTS = new HashMap<>();
  private static final List<ByteRange> RANGES = new ArrayList<>();

  @BeforeAll
  static void start() {
    server = S3ProxyServer.start();
    proxy = FaultProxy.start(server.endpoint());
    bucket = server.createBucket();
    for (int i = 0; i < 12; i++) {
      String key = "blocking/object-" + i;
      byte[] bytes = content(2000 + i, i % 3 == 0 ? 900_000 : 100_000 + 37 * i);
      OBJECTS.put(key, bytes);
      String etag = put(server, bucket, key, bytes);
      RANGES.add(i % 4 == 1 ? new ByteRange(bucket, key, 1234, bytes.length - 5000, Optional.of(etag))
          : ByteRange.wholeObject(bucket, key, bytes.length, etag));
    }
    direct = client(server.settings().endpoint().orElseThrow(), S3ProxyServer.CREDENTIAL);
    throughProxy = client(proxy.endpoint(), S3ProxyServer.CREDENTIAL);
  }

  private static S3Client client(java.net.URI endpoint, String secret) {
    return S3Clients.createUnretried(server.settings().withEndpoint(endpoint),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.IDENTITY, secret)));
  }

  @AfterAll
  static void stop() {
    direct.close();
    throughProxy.close();
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

  @Test
  void deliversEveryRangeInOrderWithinTheBudget() {
    PrefetchOptions small = options().withByteBudget(2_000_000);
    try (S3Prefetcher prefetcher = new S3Prefetcher(direct, RANGES, small)) {
      assertThat(drainAndCheck(prefetcher, RANGES, OBJECTS)).isEqualTo(RANGES.size());
      assertThat(prefetcher.stats().peakBytesReserved()).isLessThanOrEqualTo(small.byteBudget());
      assertThat(prefetcher.stats().retries()).isZero();
    }
  }

  @Test
  void retriesEachTransientFaultOnceAndDeliversTheSameBytes() {
    proxy.failNext(2, 503, "SlowDown");
    proxy.resetMidBodyNext(2);
    proxy.truncateBodyNext(2);
    int before = proxy.faultsInjected();
    try (S3Prefetcher prefetcher = new S3Prefetcher(throughProxy, RANGES, options())) {
      assertThat(drainAndCheck(prefetcher, RANGES, OBJECTS)).isEqualTo(RANGES.size());
      assertThat(proxy.faultsInjected() - before).isEqualTo(6);
      assertThat(prefetcher.stats().retries()).isEqualTo(6);
    }
  }

  @Test
  void permanentFailuresFailFastNamingTheKey() {
    List<ByteRange> missing = List.of(RANGES.get(0), ByteRange.wholeObject(bucket, "blocking/nope", 10, null));
    try (S3Prefetcher prefetcher = new S3Prefetcher(direct, missing, options())) {
      prefetcher.next().close();
      assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectNotFoundException.class)
          .hasMessageContaining("blocking/nope");
      assertThat(prefetcher.stats().retries()).isZero();
    }
    try (S3Client wrong = client(server.settings().endpoint().orElseThrow(), "not-the-secret-123");
        S3Prefetcher prefetcher = new S3Prefetcher(wrong, RANGES.subList(0, 1), options())) {
      assertThatThrownBy(prefetcher::next).isInstanceOf(AccessDeniedException.class).hasMessageContaining(bucket)
          .hasMessageNotContaining("not-the-secret-123");
    }
    ByteRange stale = new ByteRange(bucket, "blocking/object-2", 0, 1000, Optional.of("0123456789abcdef"));
    try (S3Prefetcher prefetcher = new S3Prefetcher(direct, List.of(stale), options())) {
      assertThatThrownBy(prefetcher::next).isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("blocking/object-2");
    }
  }

  @Test
  void closeMidStreamStopsItsThreadsAndReleasesTheBudget() {
    S3Prefetcher prefetcher = new S3Prefetcher(direct, RANGES, options().withByteBudget(1_000_000));
    prefetcher.next().close();
    prefetcher.close();
    assertThat(prefetcher.stats().requestsInFlight()).isZero();
    assertThat(prefetcher.stats().bytesReserved()).isZero();
    assertThat(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName).filter(n -> n.startsWith("s3-prefetch-")).toList())
        .as("pool threads wind down").satisfiesAnyOf(
            names -> assertThat(names).isEmpty(),
            names -> assertThat(awaitNoPrefetchThreads()).isTrue());
  }

  private static boolean awaitNoPrefetchThreads() {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
          .noneMatch(t -> t.getName().startsWith("s3-prefetch-") && !t.getName().contains("backoff"))) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
