package io.embedflow.connectors.prefetch;

import static io.embedflow.connectors.prefetch.TestObjects.client;
import static io.embedflow.connectors.prefetch.TestObjects.content;
import static io.embedflow.connectors.prefetch.TestObjects.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Settings.AsyncClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Throughput through S3Proxy on loopback, printed rather than asserted: 32 objects of 8 MiB, read by the
 * prefetcher with each client kind, then read with the SDK alone to compare receiving straight into the buffer
 * ({@link PartTransformer}) with {@code AsyncResponseTransformer.toBytes()}. Not part of the build; run with
 * {@code mvn -pl connectors test -Dtest=S3PrefetcherThroughputIT}. S3Proxy shares the JVM and the cores, so the
 * figures are a floor for a real store.
 */
class S3PrefetcherThroughputIT {
  private static final int OBJECTS = 32;
  private static final int SIZE = 8 << 20;
  private static final int ROUNDS = 3;

  private static S3ProxyServer server;
  private static final List<ByteRange> RANGES = new ArrayList<>();

  @BeforeAll
  static void upload() {
    server = S3ProxyServer.start();
    String bucket = server.createBucket();
    for (int i = 0; i < OBJECTS; i++) {
      byte[] bytes = content(i, SIZE);
      RANGES.add(ByteRange.wholeObject(bucket, "bench/" + i, SIZE, put(server, bucket, "bench/" + i, bytes)));
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void prefetcherThroughputPerClientKind() {
    for (AsyncClient kind : List.of(AsyncClient.CRT, AsyncClient.JAVA, AsyncClient.CRT, AsyncClient.JAVA)) {
      try (S3AsyncClient client = client(server.settings(), kind)) {
        for (int round = 0; round < ROUNDS; round++) {
          try (S3Prefetcher prefetcher = new S3Prefetcher(client, RANGES, PrefetchOptions.defaults())) {
            long checksum = 0;
            while (prefetcher.hasNext()) {
              try (FetchedRange range = prefetcher.next()) {
                checksum += range.data().get(SIZE - 1);
              }
            }
            PrefetchStats stats = prefetcher.stats();
            assertThat(stats.bytesFetched()).isEqualTo((long) OBJECTS * SIZE);
            System.out.printf("prefetcher %-4s round %d: %.2f GB/s (%d requests, consumer waited %.0f%% of %d ms)%s%n",
                kind, round, stats.bytesPerSecond() / 1e9, stats.requests(),
                100.0 * stats.consumerWaitNanos() / stats.elapsedNanos(), stats.elapsedNanos() / 1_000_000,
                checksum == Long.MIN_VALUE ? "" : "");
          }
        }
      }
    }
  }

  @Test
  void receivingIntoTheBufferAgainstToBytes() throws InterruptedException {
    try (S3AsyncClient client = client(server.settings(), AsyncClient.JAVA)) {
      for (int round = 0; round < 2 * ROUNDS; round++) {
        boolean direct = round % 2 == 0;
        Semaphore slots = new Semaphore(16);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        long start = System.nanoTime();
        for (ByteRange range : RANGES) {
          slots.acquire();
          byte[] buffer = new byte[SIZE];
          CompletableFuture<?> call = direct
              ? client.getObject(b -> b.bucket(range.bucket()).key(range.key()).range("bytes=0-" + (SIZE - 1)),
                  new PartTransformer(buffer, 0, SIZE, 0, false))
              : client.getObject(b -> b.bucket(range.bucket()).key(range.key()).range("bytes=0-" + (SIZE - 1)),
                  AsyncResponseTransformer.toBytes()).thenAccept(bytes -> bytes.asByteBuffer().get(buffer));
          calls.add(call.whenComplete((r, e) -> slots.release()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%-8s round %d: %.2f GB/s%n", direct ? "direct" : "toBytes", round,
            (double) OBJECTS * SIZE / seconds / 1e9);
      }
    }
  }
}
