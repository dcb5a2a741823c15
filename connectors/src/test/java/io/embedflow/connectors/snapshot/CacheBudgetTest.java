package io.embedflow.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.store.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A size-limited snapshot cache: least recently used snapshots go, held and recently used ones stay. */
class CacheBudgetTest {
  @TempDir Path tmp;

  @Test
  void theLeastRecentlyUsedSnapshotGoesWhenANewOneWouldNotFit() throws IOException {
    LocalObjectStore store = new LocalObjectStore(tmp.resolve("store"));
    String a = SnapshotCacheTest.publish(store, Map.of("w.pt", "a".repeat(1000)));
    String b = SnapshotCacheTest.publish(store, Map.of("w.pt", "b".repeat(1000)));
    String c = SnapshotCacheTest.publish(store, Map.of("w.pt", "c".repeat(1000)));
    SnapshotCache cache = new SnapshotCache(store, tmp.resolve("cache"), 2500);

    cache.fetch(a);
    cache.fetch(b);
    usedAgo(cache.directory(a), Duration.ofHours(2));
    usedAgo(cache.directory(b), Duration.ofHours(1));
    cache.fetch(c);

    assertThat(cache.directory(a)).as("least recently used").doesNotExist();
    assertThat(cache.directory(b)).isDirectory();
    assertThat(cache.directory(c)).isDirectory();

    // a used snapshot counts as recent again: fetching b now makes c the older one
    usedAgo(cache.directory(c), Duration.ofHours(3));
    usedAgo(cache.directory(b), Duration.ofHours(4));
    cache.fetch(b);
    cache.fetch(a);
    assertThat(cache.directory(c)).doesNotExist();
    assertThat(cache.directory(b)).isDirectory();
  }

  @Test
  void aHeldSnapshotAndOneUsedWithinTheGraceStayEvenOverTheLimit() throws IOException {
    LocalObjectStore store = new LocalObjectStore(tmp.resolve("store"));
    String a = SnapshotCacheTest.publish(store, Map.of("w.pt", "a".repeat(1000)));
    String b = SnapshotCacheTest.publish(store, Map.of("w.pt", "b".repeat(1000)));
    String c = SnapshotCacheTest.publish(store, Map.of("w.pt", "c".repeat(1000)));
    SnapshotCache cache = new SnapshotCache(store, tmp.resolve("cache"), 1500);

    try (SnapshotCache.Held held = cache.open(a)) {
      usedAgo(held.directory(), Duration.ofHours(5));
      cache.fetch(b);   // a is held (a model loading from it): over the limit rather than pulled away
      assertThat(cache.directory(a)).isDirectory();
      assertThat(cache.directory(b)).isDirectory();
    }
    // b was used just now (another process may be loading it); a is free and old: a goes
    cache.fetch(c);
    assertThat(cache.directory(a)).doesNotExist();
    assertThat(cache.directory(b)).as("used within " + CacheBudget.GRACE).isDirectory();
    assertThat(cache.directory(c)).isDirectory();
  }

  @Test
  void theWorkersLimitIsReadWithKubernetesSuffixes() {
    assertThat(ModelSource.parseBytes("X", null)).isEqualTo(Long.MAX_VALUE);
    assertThat(ModelSource.parseBytes("X", "16Gi")).isEqualTo(16L << 30);
    assertThat(ModelSource.parseBytes("X", " 2048 ")).isEqualTo(2048);
    for (String bad : new String[] {"16G", "0", "-1", "1.5Gi", "99999999999999999999", "9999999999Ti"}) {
      assertThatThrownBy(() -> ModelSource.parseBytes(ModelSource.CACHE_MAX_ENV, bad)).as(bad)
          .isInstanceOf(ConnectorException.class).hasMessageContaining(ModelSource.CACHE_MAX_ENV);
    }
    assertThatThrownBy(() -> new SnapshotCache(new LocalObjectStore(tmp.resolve("s")), tmp, 0))
        .hasMessageContaining("limit must be positive");
  }

  private static void usedAgo(Path dir, Duration ago) throws IOException {
    Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(ago)));
  }
}
