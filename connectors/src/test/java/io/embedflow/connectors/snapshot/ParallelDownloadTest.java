package io.embedflow.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.S3ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots fetched from S3 (S3Proxy) as many ranges at once, byte for byte. */
class ParallelDownloadTest {
  static S3ProxyServer s3;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    s3 = S3ProxyServer.start();
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  @Test
  void objectsSplitIntoRangesArriveWholeAndInTheirFiles() throws Exception {
    S3ObjectStore store = new S3ObjectStore(s3.client(), S3Uri.parse("s3://" + s3.createBucket() + "/store/"));
    byte[] large = new byte[10_000];
    new Random(7).nextBytes(large);
    store.putBytes("a", large);
    store.putBytes("b", "small".getBytes(StandardCharsets.UTF_8));
    store.putBytes("empty", new byte[0]);
    Map<String, Path> objects = new LinkedHashMap<>();
    objects.put("a", tmp.resolve("a.bin"));
    objects.put("empty", tmp.resolve("empty.bin"));
    objects.put("b", tmp.resolve("b.bin"));

    ParallelDownload.run(store, objects, 999);   // 11 ranges for "a"

    assertThat(Files.readAllBytes(tmp.resolve("a.bin"))).isEqualTo(large);
    assertThat(Files.readString(tmp.resolve("b.bin"))).isEqualTo("small");
    assertThat(tmp.resolve("empty.bin")).isEmptyFile();

    Map<String, Path> missing = new LinkedHashMap<>();
    missing.put("b", tmp.resolve("again.bin"));
    missing.put("nope", tmp.resolve("nope.bin"));
    assertThatThrownBy(() -> ParallelDownload.run(store, missing, 999)).isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining("'nope'");
    assertThat(tmp.resolve("again.bin")).as("nothing fetched before every object was found").doesNotExist();
  }

  @Test
  void aSnapshotOnS3IsFetchedVerifiedAndRefusedWhenABlobChanged() throws Exception {
    S3ObjectStore store = new S3ObjectStore(s3.client(), S3Uri.parse("s3://" + s3.createBucket() + "/embedflow/"));
    String weights = "w".repeat(50_000);
    String id = SnapshotCacheTest.publish(store, Map.of("model.pt", weights, "copy/model.pt", weights,
        "tokenizer.json", "{}"));

    Path dir = new SnapshotCache(store, tmp.resolve("cache")).fetch(id);
    assertThat(Files.readString(dir.resolve("model.pt"))).isEqualTo(weights);
    assertThat(Files.readString(dir.resolve("copy/model.pt"))).as("same content, one blob").isEqualTo(weights);
    assertThat(Files.readString(dir.resolve("tokenizer.json"))).isEqualTo("{}");

    String blob = SnapshotCache.blobKey(SnapshotManifest.sha256Hex(weights.getBytes(StandardCharsets.UTF_8)));
    store.putBytes(blob, "x".repeat(50_000).getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> new SnapshotCache(store, tmp.resolve("other-cache")).fetch(id))
        .hasMessageContaining("snapshot " + id + " is damaged: file 'copy/model.pt'")
        .hasMessageContaining("does not match its hash");
    store.delete(blob);
    assertThatThrownBy(() -> new SnapshotCache(store, tmp.resolve("other-cache")).fetch(id))
        .hasMessageContaining("the content of file 'copy/model.pt' (blob ")
        .hasMessageContaining("is missing from s3://");
    try (Stream<Path> left = Files.list(tmp.resolve("other-cache"))) {
      assertThat(left).as("no partial copy").isEmpty();
    }
  }
}
