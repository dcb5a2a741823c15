package io.embedflow.connectors.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link ObjectStore}, run against every implementation (STYLE.md #15). Each subclass
 * gives a fresh, empty store per test.
 */
abstract class ObjectStoreContractTest {
  @TempDir Path dir;
  protected ObjectStore store;

  /** A new, empty store; closed after each test. */
  protected abstract ObjectStore newStore() throws Exception;

  /** Whether two racing putIfAbsent calls are guaranteed to have exactly one winner. */
  protected boolean putIfAbsentIsAtomic() {
    return true;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private Path file(String name, byte[] content) throws IOException {
    Path file = dir.resolve("sources").resolve(name);
    Files.createDirectories(file.getParent());
    return Files.write(file, content);
  }

  protected static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void putBytesThenReadItBackEveryWay() throws IOException {
    store.putBytes("docs/a.txt", utf8("hello"));

    assertThat(store.readBytes("docs/a.txt")).asString(StandardCharsets.UTF_8).isEqualTo("hello");
    try (InputStream in = store.open("docs/a.txt")) {
      assertThat(in.readAllBytes()).isEqualTo(utf8("hello"));
    }
    assertThat(store.exists("docs/a.txt")).isTrue();
    assertThat(store.stat("docs/a.txt")).hasValueSatisfying(info -> {
      assertThat(info.key()).isEqualTo("docs/a.txt");
      assertThat(info.size()).isEqualTo(5);
    });
    Path target = dir.resolve("out/new/a.txt");
    store.download("docs/a.txt", target);
    assertThat(target).hasBinaryContent(utf8("hello"));
  }

  @Test
  void putFromAFileOverwrites() throws IOException {
    store.put("k", file("one", utf8("first version")));
    ObjectInfo first = store.stat("k").orElseThrow();

    store.put("k", file("two", utf8("second")));

    assertThat(store.readBytes("k")).isEqualTo(utf8("second"));
    ObjectInfo second = store.stat("k").orElseThrow();
    assertThat(second.size()).isEqualTo(6);
    if (first.etag() != null) {
      assertThat(second.etag()).isNotEqualTo(first.etag());
    }
    store.putBytes("k", utf8("third"));
    assertThat(store.readBytes("k")).isEqualTo(utf8("third"));
  }

  @Test
  void emptyObjectsAreObjects() throws IOException {
    store.putBytes("empty", new byte[0]);

    assertThat(store.readBytes("empty")).isEmpty();
    assertThat(store.stat("empty")).hasValueSatisfying(info -> assertThat(info.size()).isZero());
    Path target = dir.resolve("empty.out");
    store.download("empty", target);
    assertThat(target).exists().isEmptyFile();
    assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("empty");
  }

  @Test
  void putIfAbsentWritesOnlyTheFirstTime() throws IOException {
    assertThat(store.putIfAbsent("blobs/x", file("one", utf8("one")))).isTrue();
    assertThat(store.putIfAbsent("blobs/x", file("two", utf8("two")))).isFalse();
    assertThat(store.readBytes("blobs/x")).isEqualTo(utf8("one"));

    store.delete("blobs/x");
    assertThat(store.putIfAbsent("blobs/x", file("three", utf8("three")))).isTrue();
    assertThat(store.readBytes("blobs/x")).isEqualTo(utf8("three"));
  }

  @Test
  void racingPutIfAbsentHasOneWinner() throws Exception {
    int writers = 6;
    List<Path> sources = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      sources.add(file("racer-" + i, utf8("writer " + i)));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (Path source : sources) {
        Callable<Boolean> put = () -> {
          start.await();
          return store.putIfAbsent("race/key", source);
        };
        results.add(pool.submit(put));
      }
      start.countDown();
      int winners = 0;
      for (Future<Boolean> result : results) {
        winners += result.get() ? 1 : 0;
      }
      assertThat(winners).isGreaterThanOrEqualTo(1);
      if (putIfAbsentIsAtomic()) {
        assertThat(winners).isEqualTo(1);
      }
      assertThat(new String(store.readBytes("race/key"), StandardCharsets.UTF_8)).startsWith("writer ");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void listIsRecursiveSortedAndFilteredByPlainPrefix() {
    for (String key : List.of("b/2", "a/2", "a/10", "a/1", "ab", "c", "a/deep/er/x")) {
      store.putBytes(key, utf8(key));
    }

    assertThat(store.list("")).extracting(ObjectInfo::key)
        .containsExactly("a/1", "a/10", "a/2", "a/deep/er/x", "ab", "b/2", "c");
    assertThat(store.list("a/")).extracting(ObjectInfo::key).containsExactly("a/1", "a/10", "a/2", "a/deep/er/x");
    assertThat(store.list("a")).extracting(ObjectInfo::key).containsExactly("a/1", "a/10", "a/2", "a/deep/er/x", "ab");
    assertThat(store.list("a/1")).extracting(ObjectInfo::key).containsExactly("a/1", "a/10");
    assertThat(store.list("a/deep/")).extracting(ObjectInfo::key).containsExactly("a/deep/er/x");
    assertThat(store.list("nothing/")).isEmpty();
    assertThat(store.list("a/")).allSatisfy(info -> assertThat(info.size()).isEqualTo(info.key().length()));
  }

  @Test
  void findAnyTellsWhetherAPrefixHoldsAnything() {
    assertThat(store.findAny("")).isEmpty();
    store.putBytes("a/deep/x", utf8("x"));
    store.putBytes("b", utf8("b"));

    assertThat(store.findAny("")).hasValueSatisfying(info -> assertThat(info.key()).isIn("a/deep/x", "b"));
    assertThat(store.findAny("a/")).hasValueSatisfying(info -> assertThat(info.key()).isEqualTo("a/deep/x"));
    assertThat(store.findAny("a/deep/x")).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(1));
    assertThat(store.findAny("c/")).isEmpty();
    assertThatThrownBy(() -> store.findAny("/a")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deleteRemovesAndToleratesAbsence() {
    store.putBytes("d/x", utf8("x"));
    store.putBytes("d/y", utf8("y"));

    store.delete("d/x");
    store.delete("d/x");
    store.delete("never/was");

    assertThat(store.exists("d/x")).isFalse();
    assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("d/y");
  }

  @Test
  void missingKeysAreNamedInTheError() {
    assertThat(store.stat("no/such/key")).isEmpty();
    assertThat(store.exists("no/such/key")).isFalse();
    for (ThrowingRead read : List.<ThrowingRead>of(
        () -> store.readBytes("no/such/key"),
        () -> store.open("no/such/key").close(),
        () -> store.download("no/such/key", dir.resolve("never")))) {
      assertThatThrownBy(read::run)
          .isInstanceOf(ObjectNotFoundException.class)
          .hasMessageContaining("no/such/key")
          .satisfies(e -> {
            assertThat(((ObjectNotFoundException) e).key()).isEqualTo("no/such/key");
            assertThat(((ObjectStoreException) e).isTransient()).isFalse();
          });
    }
    assertThat(dir.resolve("never")).doesNotExist();
  }

  @FunctionalInterface
  interface ThrowingRead {
    void run() throws Exception;
  }

  @Test
  void failedDownloadLeavesTheTargetAsItWasAndNoTemporaryFile() throws IOException {
    Path targetDir = Files.createDirectories(dir.resolve("downloads"));
    Path target = Files.writeString(targetDir.resolve("model.bin"), "old content");

    assertThatThrownBy(() -> store.download("missing", target)).isInstanceOf(ObjectNotFoundException.class);

    assertThat(target).hasContent("old content");
    try (Stream<Path> files = Files.list(targetDir)) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void downloadReplacesAnExistingTargetWholeAndLeavesNoTemporaryFile() throws IOException {
    byte[] content = randomBytes(3 * 1024 * 1024 + 17, 1);
    store.put("big/blob", file("big", content));
    Path targetDir = Files.createDirectories(dir.resolve("downloads"));
    Path target = Files.writeString(targetDir.resolve("blob"), "a much older and different file");

    store.download("big/blob", target);

    assertThat(Files.readAllBytes(target)).isEqualTo(content);
    try (Stream<Path> files = Files.list(targetDir)) {
      assertThat(files).containsExactly(target);
    }
    try (InputStream in = store.open("big/blob")) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(store.stat("big/blob")).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(content.length));
  }

  @Test
  void closingAStreamEarlyIsFine() throws IOException {
    store.putBytes("stream", randomBytes(1 << 20, 2));
    try (InputStream in = store.open("stream")) {
      assertThat(in.readNBytes(10)).hasSize(10);
    }
    assertThat(store.readBytes("stream")).hasSize(1 << 20);
  }

  @Test
  void invalidKeysAreRefusedNamingTheKey() {
    for (String key : List.of("", "/abs", "a/../b", "..", "a//b", "a/", "./a", "a\\b", "tab\there")) {
      assertThatThrownBy(() -> store.putBytes(key, utf8("x")))
          .as("key '%s'", key)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.stat(key)).as("key '%s'", key).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> store.readBytes("a/../../etc/passwd")).hasMessageContaining("a/../../etc/passwd");
    assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.list("")).isEmpty();
  }

  @Test
  void anUnreadableSourceIsNamedAndNothingIsStored() {
    Path missing = dir.resolve("no-such-source.bin");

    assertThatThrownBy(() -> store.put("k", missing))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> store.putIfAbsent("k", missing))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining(missing.toString());
    assertThat(store.exists("k")).isFalse();
  }

  @Test
  void describeSaysWhereTheStoreIs() {
    assertThat(store.describe()).isNotBlank().matches("(file|s3|memory):.*");
  }
}
