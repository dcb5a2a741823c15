package io.embedflow.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ForwardingObjectStore;
import io.embedflow.connectors.store.LocalObjectStore;
import io.embedflow.connectors.store.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots written in the registry's layout, fetched into a cache as a worker does. */
class SnapshotCacheTest {
  @TempDir Path tmp;

  /** Writes {@code files} into {@code store} as the registry does: blobs, then the manifest; returns the id. */
  static String publish(ObjectStore store, Map<String, String> files) {
    List<SnapshotFile> entries = new ArrayList<>();
    for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
      byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
      String sha = SnapshotManifest.sha256Hex(content);
      store.putBytes(SnapshotCache.blobKey(sha), content);
      entries.add(new SnapshotFile(file.getKey(), content.length, sha));
    }
    byte[] manifest = SnapshotManifest.encode(entries);
    String id = SnapshotManifest.sha256Hex(manifest);
    store.putBytes(SnapshotCache.manifestKey(id), manifest);
    return id;
  }

  @Test
  void fetchCopiesTheSnapshotOnceAndVerifiesItOnEveryUse() throws IOException {
    CountingStore store = new CountingStore(new LocalObjectStore(tmp.resolve("store")));
    String id = publish(store, Map.of("model.pt", "weights", "conf/serving.properties", "engine=PyTorch"));
    SnapshotCache cache = new SnapshotCache(store, tmp.resolve("cache"));

    Path dir = cache.fetch(id);
    assertThat(dir).isEqualTo(tmp.resolve("cache").resolve(id));
    assertThat(Files.readString(dir.resolve("model.pt"))).isEqualTo("weights");
    assertThat(Files.readString(dir.resolve("conf/serving.properties"))).isEqualTo("engine=PyTorch");
    assertThat(cache.fetch(id)).isEqualTo(dir);
    assertThat(store.downloads.get()).as("the second fetch uses the cached copy").isEqualTo(2);
    try (Stream<Path> left = Files.list(tmp.resolve("cache"))) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly(id);
    }

    Files.writeString(dir.resolve("model.pt"), "tampered");
    Files.writeString(dir.resolve("extra.txt"), "x");
    assertThatThrownBy(() -> cache.fetch(id)).isInstanceOf(ConnectorException.class)
        .hasMessageContaining("refusing snapshot " + id)
        .hasMessageContaining("file 'model.pt' was modified")
        .hasMessageContaining("file 'extra.txt' is not part of it");
  }

  @Test
  void threadsOfOneProcessCopyASnapshotOnce() throws Exception {
    CountingStore store = new CountingStore(new LocalObjectStore(tmp.resolve("store")));
    String id = publish(store, Map.of("a.bin", "a".repeat(100_000), "b.bin", "b".repeat(100_000)));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Path>> fetched = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        fetched.add(pool.submit(() -> new SnapshotCache(store, tmp.resolve("cache")).fetch(id)));
      }
      for (Future<Path> f : fetched) {
        assertThat(f.get()).isEqualTo(tmp.resolve("cache").resolve(id));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.downloads.get()).isEqualTo(2);
  }

  @Test
  void aMissingOrDamagedSnapshotIsNamedAndLeavesNoCopy() throws IOException {
    LocalObjectStore store = new LocalObjectStore(tmp.resolve("store"));
    String id = publish(store, Map.of("model.pt", "weights", "tokenizer.json", "{}"));
    SnapshotCache cache = new SnapshotCache(store, tmp.resolve("cache"));

    String unknown = "0".repeat(64);
    assertThatThrownBy(() -> cache.fetch(unknown)).isInstanceOf(ConnectorException.class)
        .hasMessageContaining("snapshot " + unknown + " not found in " + store.describe());
    assertThatThrownBy(() -> cache.fetch("starter/1")).hasMessageContaining("64 lowercase hex digits");

    // a blob whose content no longer matches its hash
    String sha = SnapshotManifest.sha256Hex("weights".getBytes(StandardCharsets.UTF_8));
    store.putBytes(SnapshotCache.blobKey(sha), "WEIGHTS".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> cache.fetch(id)).isInstanceOf(ConnectorException.class)
        .hasMessageContaining("snapshot " + id + " is damaged: file 'model.pt'")
        .hasMessageContaining("does not match its hash");
    store.delete(SnapshotCache.blobKey(sha));
    assertThatThrownBy(() -> cache.fetch(id)).hasMessageContaining("file 'model.pt' (blob " + sha + ") is missing");
    // a manifest that does not hash to its id
    store.putBytes(SnapshotCache.manifestKey(id), "{\"files\":[]}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> cache.fetch(id)).hasMessageContaining("its manifest in " + store.describe()
        + " does not hash to its id");
    try (Stream<Path> left = Files.list(tmp.resolve("cache"))) {
      assertThat(left).as("no partial copy, no scratch directory").isEmpty();
    }
  }

  @Test
  void aModelSourceFromAStoreIsCheckedWithoutCopyingAndTravelsAsBytes() throws Exception {
    LocalObjectStore store = new LocalObjectStore(tmp.resolve("store"));
    String id = publish(store, Map.of("model.pt", "weights"));
    ModelSource source = ModelSource.snapshot(tmp.resolve("store").toString(), id, tmp.resolve("cache").toString());
    source.check(S3Settings.defaults());
    assertThat(tmp.resolve("cache")).doesNotExist();

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(source);
    }
    ModelSource shipped;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      shipped = (ModelSource) in.readObject();
    }
    Path dir;
    try (SnapshotCache.Held held = shipped.open(S3Settings.defaults())) {
      dir = held.directory();
    }
    assertThat(Files.readString(dir.resolve("model.pt"))).isEqualTo("weights");

    ModelSource missing = ModelSource.snapshot(tmp.resolve("store").toString(), "1".repeat(64), tmp.resolve("c2").toString());
    assertThatThrownBy(() -> missing.check(S3Settings.defaults())).isInstanceOf(ConnectorException.class)
        .hasMessageContaining("snapshot " + "1".repeat(64) + " not found in");
    assertThatThrownBy(() -> ModelSource.snapshot("s3://bucket/store", "starter/1", "/tmp/c"))
        .hasMessageContaining("needs its snapshot id");
    assertThatThrownBy(() -> ModelSource.directory(tmp.resolve("nowhere").toString()).check(S3Settings.defaults()))
        .hasMessageContaining("model directory " + tmp.resolve("nowhere") + " does not exist");
    String tmpdir = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", tmp.resolve("worker-tmp").toString());
    try {
      Path inDefault;
      try (SnapshotCache.Held held = ModelSource.snapshot(tmp.resolve("store").toString(), id, null)
          .open(S3Settings.defaults())) {
        inDefault = held.directory();
      }
      // the default is read where the worker runs: its $EMBEDFLOW_MODEL_CACHE, else its temporary directory
      String env = System.getenv(ModelSource.CACHE_ENV);
      Path root = env != null && !env.isBlank() ? Path.of(env) : tmp.resolve("worker-tmp/embedflow-models");
      assertThat(inDefault).isEqualTo(root.resolve(id));
    } finally {
      System.setProperty("java.io.tmpdir", tmpdir);
    }
    assertThat(ModelSource.snapshot("s3://bucket/store", id, "/tmp/c").toString())
        .isEqualTo("snapshot " + id + " in s3://bucket/store");
  }

  /** Counts downloads through an {@link ObjectStore}. */
  private static final class CountingStore extends ForwardingObjectStore {
    final AtomicInteger downloads = new AtomicInteger();

    CountingStore(ObjectStore delegate) {
      super(delegate);
    }

    @Override
    public void download(String key, Path target) {
      downloads.incrementAndGet();
      delegate.download(key, target);
    }
  }
}
