package io.embedflow.connectors.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ContentHashTest {
  @Test
  void matchesKnownSha256Values() {
    assertThat(ContentHash.of("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(ContentHash.of("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void hashesUtf8Bytes() throws Exception {
    String text = "héllo wörld \uD83D\uDE00";
    String expected = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    assertThat(ContentHash.of(text)).isEqualTo(expected);
  }

  @Test
  void isSafeAcrossThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = IntStream.range(0, 200)
          .mapToObj(i -> pool.submit(() -> ContentHash.of("abc").equals(
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
          .toList();
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
