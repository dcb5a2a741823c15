package io.embedflow.connectors.prefetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrefetchOptionsTest {
  @Test
  void defaultsAreAQuarterGibibyteSixteenRequestsAndEightMebibyteParts() {
    PrefetchOptions defaults = PrefetchOptions.defaults();

    assertThat(defaults).isEqualTo(new PrefetchOptions(256L << 20, 16, 8L << 20, 5, Duration.ofMillis(50),
        Duration.ofSeconds(5)));
    assertThat(defaults.withByteBudget(1).byteBudget()).isEqualTo(1);
    assertThat(defaults.withMaxConcurrency(2).maxConcurrency()).isEqualTo(2);
    assertThat(defaults.withPartSize(3).partSize()).isEqualTo(3);
    assertThat(defaults.withMaxAttempts(1).maxAttempts()).isEqualTo(1);
    assertThat(defaults.withBackoff(Duration.ZERO, Duration.ZERO).maxBackoff()).isZero();
  }

  @Test
  void invalidValuesAreRejectedNamingTheField() {
    PrefetchOptions defaults = PrefetchOptions.defaults();

    assertThatThrownBy(() -> defaults.withByteBudget(0)).hasMessageStartingWith("byteBudget must be positive, was 0");
    assertThatThrownBy(() -> defaults.withMaxConcurrency(0)).hasMessageStartingWith("maxConcurrency");
    assertThatThrownBy(() -> defaults.withPartSize(0)).hasMessageStartingWith("partSize");
    assertThatThrownBy(() -> defaults.withPartSize(1L << 31)).hasMessageStartingWith("partSize");
    assertThatThrownBy(() -> defaults.withMaxAttempts(0)).hasMessageStartingWith("maxAttempts");
    assertThatThrownBy(() -> defaults.withBackoff(Duration.ofMillis(-1), Duration.ZERO))
        .hasMessageStartingWith("initialBackoff");
    assertThatThrownBy(() -> defaults.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxBackoff");
  }

  @Test
  void byteRangesAreValidatedNamingTheObject() {
    ByteRange whole = ByteRange.wholeObject("bucket", "a/b", 10, null);
    assertThat(whole).isEqualTo(new ByteRange("bucket", "a/b", 0, 10, Optional.empty()));
    assertThat(whole.end()).isEqualTo(10);
    assertThat(whole.describe()).isEqualTo("bytes 0-9 of s3://bucket/a/b");

    assertThatThrownBy(() -> ByteRange.wholeObject("bucket", "empty", 0, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s3://bucket/empty")
        .hasMessageContaining("empty objects");
    assertThatThrownBy(() -> new ByteRange("bucket", "k", -1, 1, Optional.empty())).hasMessageContaining("offset");
    assertThatThrownBy(() -> new ByteRange("bucket", "k", Long.MAX_VALUE, 2, Optional.empty()))
        .hasMessageContaining("beyond");
    assertThatThrownBy(() -> new ByteRange("bucket", "", 0, 1, Optional.empty())).hasMessageContaining("key is empty");
    assertThatThrownBy(() -> new ByteRange("bucket", "k", 0, 1, Optional.of(" "))).hasMessageContaining("etag");
  }

  @Test
  void backoffIsFullJitterUnderADoublingCap() {
    Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofMillis(300));
    for (int i = 0; i < 1000; i++) {
      assertThat(backoff.delayNanos(1)).isBetween(0L, Duration.ofMillis(50).toNanos());
      assertThat(backoff.delayNanos(3)).isBetween(0L, Duration.ofMillis(200).toNanos());
      assertThat(backoff.delayNanos(60)).isBetween(0L, Duration.ofMillis(300).toNanos());
    }
    assertThat(new Backoff(Duration.ZERO, Duration.ZERO).delayNanos(4)).isZero();
  }
}
