package io.embedflow.connectors.prefetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.prefetch.FakeS3AsyncClient.Call;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Which requests the prefetcher sends when, answered one at a time by a fake client. */
@Timeout(30)
class S3PrefetcherSchedulingTest {
  private static final long SIZE = 1000;

  private static List<ByteRange> objects(int n) {
    return IntStream.range(0, n).mapToObj(i -> ByteRange.wholeObject("bucket", "key-" + i, SIZE, null)).toList();
  }

  private static PrefetchOptions options() {
    return PrefetchOptions.defaults().withPartSize(400).withMaxConcurrency(3)
        .withBackoff(Duration.ZERO, Duration.ZERO);
  }

  @Test
  void keepsAtMostMaxConcurrencyRequestsOpenAndSendsPartsInListOrder() {
    FakeS3AsyncClient client = new FakeS3AsyncClient();
    try (S3Prefetcher prefetcher = new S3Prefetcher(client, objects(4), options())) {
      while (!client.open().isEmpty()) {
        assertThat(client.open()).hasSizeLessThanOrEqualTo(3);
        assertThat(prefetcher.stats().requestsInFlight()).isEqualTo(client.open().size());
        client.open().get(client.open().size() - 1).answer(SIZE); // the newest first: order must not depend on it
      }
      assertThat(client.calls()).extracting(call -> call.request().key() + " " + call.request().range()).containsExactly(
          "key-0 bytes=0-399", "key-0 bytes=400-799", "key-0 bytes=800-999",
          "key-1 bytes=0-399", "key-1 bytes=400-799", "key-1 bytes=800-999",
          "key-2 bytes=0-399", "key-2 bytes=400-799", "key-2 bytes=800-999",
          "key-3 bytes=0-399", "key-3 bytes=400-799", "key-3 bytes=800-999");
      for (int i = 0; i < 4; i++) {
        try (FetchedRange range = prefetcher.next()) {
          byte[] bytes = TestObjects.bytes(range.data());
          assertThat(bytes).hasSize((int) SIZE);
          assertThat(bytes[999]).isEqualTo((byte) 999);
        }
      }
    }
  }

  @Test
  void asksForAOnePartRangeAtOffsetZeroAsAWholeObjectWithChecksumsAndFallsBackToARange() {
    FakeS3AsyncClient client = new FakeS3AsyncClient();
    List<ByteRange> ranges = List.of(ByteRange.wholeObject("bucket", "whole", 300, "abc"),
        new ByteRange("bucket", "prefix", 0, 300, Optional.empty()));
    try (S3Prefetcher prefetcher = new S3Prefetcher(client, ranges, options())) {
      client.calls().get(0).answer(300);
      client.calls().get(1).answer(5000); // the object is longer than the range
      assertThat(client.calls()).hasSize(3);
      client.calls().get(2).answer(5000);

      assertThat(client.calls()).extracting(call -> call.request().key() + " " + call.request().range() + " "
          + call.request().checksumModeAsString() + " " + call.request().ifMatch()).containsExactly(
          "whole null ENABLED \"abc\"", "prefix null ENABLED null", "prefix bytes=0-299 null null");
      prefetcher.next().close();
      prefetcher.next().close();
      assertThat(prefetcher.stats().retries()).isZero();
      assertThat(prefetcher.stats().requests()).isEqualTo(3);
    }
  }

  @Test
  void aRetryGoesAheadOfTheNextRangesParts() throws InterruptedException {
    FakeS3AsyncClient client = new FakeS3AsyncClient();
    try (S3Prefetcher prefetcher = new S3Prefetcher(client, objects(2), options().withMaxConcurrency(1))) {
      client.calls().get(0).future().completeExceptionally(S3Exception.builder().statusCode(503).build());
      // the slot is free during the backoff, so the next part may go out first; after a moment the retry is due
      S3PrefetcherTest.await(() -> client.open().size() == 1);
      Thread.sleep(100);
      for (int answered = 0; answered < 6; answered++) {
        S3PrefetcherTest.await(() -> client.open().size() == 1);
        client.open().get(0).answer(SIZE);
      }

      List<String> sent = client.calls().stream().map(call -> call.request().key() + " " + call.first()).toList();
      assertThat(sent.subList(1, 4)).containsExactlyInAnyOrder("key-0 0", "key-0 400", "key-0 800");
      assertThat(sent.subList(4, 7)).containsExactly("key-1 0", "key-1 400", "key-1 800");
      assertThat(prefetcher.stats().retries()).isEqualTo(1);
      prefetcher.next().close();
      prefetcher.next().close();
    }
  }

  @Test
  void closeCancelsOpenRequestsAndReleasesTheBudget() {
    FakeS3AsyncClient client = new FakeS3AsyncClient();
    S3Prefetcher prefetcher = new S3Prefetcher(client, objects(4), options());
    client.open().get(0).answer(SIZE);
    List<Call> open = client.open();
    assertThat(open).hasSize(3);

    prefetcher.close();

    assertThat(open).allSatisfy(call -> assertThat(call.future()).isCancelled());
    assertThat(prefetcher.stats().requestsInFlight()).isZero();
    assertThat(prefetcher.stats().bytesReserved()).isZero();
    assertThat(client.calls()).hasSize(4);
  }
}
