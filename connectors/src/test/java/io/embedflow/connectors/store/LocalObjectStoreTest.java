package io.embedflow.connectors.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LocalObjectStoreTest extends ObjectStoreContractTest {
  private Path root;

  @Override
  protected ObjectStore newStore() {
    root = dir.resolve("store");
    return new LocalObjectStore(root);
  }

  @Test
  void keysAreFilesUnderTheRootAndTemporaryFilesAreHiddenAndCleanedUp() throws IOException {
    store.putBytes("a/b/c.txt", "abc".getBytes(StandardCharsets.UTF_8));
    store.put("d", Files.writeString(dir.resolve("d-source"), "d"));
    assertThat(store.putIfAbsent("e", Files.writeString(dir.resolve("e-source"), "e"))).isTrue();
    assertThat(store.putIfAbsent("e", dir.resolve("e-source"))).isFalse();

    assertThat(root.resolve("a/b/c.txt")).hasContent("abc");
    assertThat(store.describe()).isEqualTo("file:" + root.toAbsolutePath());
    assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("a/b/c.txt", "d", "e");
    assertThat(store.stat("d")).hasValueSatisfying(info -> assertThat(info.etag()).isNull());
    try (Stream<Path> temp = Files.list(root.resolve(LocalObjectStore.TEMP_DIR))) {
      assertThat(temp).isEmpty();
    }
    assertThatThrownBy(() -> store.putBytes(".tmp/x", new byte[1]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
  }

  @Test
  void deletingTheLastKeyOfADirectoryRemovesTheDirectory() {
    store.putBytes("x/y/z", new byte[1]);
    store.delete("x/y/z");

    assertThat(root.resolve("x")).doesNotExist();
    store.putBytes("x", new byte[2]);
    assertThat(store.stat("x")).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(2));
  }

  @Test
  void aKeyCannotAlsoBeADirectoryOfKeys() {
    store.putBytes("p/q", new byte[1]);

    assertThat(store.stat("p")).isEmpty();
    assertThatThrownBy(() -> store.readBytes("p")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> store.putBytes("p", new byte[1]))
        .isInstanceOf(ObjectStoreException.class).hasMessageContaining("'p'").hasMessageContaining("directory");
  }

  @Test
  void objectStoresOpensPathsAndFileUris() throws IOException {
    try (ObjectStore byPath = ObjectStores.open(dir.resolve("by-path").toString(), S3Settings.defaults());
        ObjectStore byUri = ObjectStores.open(dir.resolve("by-uri").toUri().toString(), S3Settings.defaults())) {
      assertThat(byPath).isInstanceOf(LocalObjectStore.class);
      assertThat(byUri.describe()).isEqualTo("file:" + dir.resolve("by-uri"));
      byUri.putBytes("k", new byte[3]);
      assertThat(dir.resolve("by-uri/k")).hasSize(3);
    }
    assertThatThrownBy(() -> ObjectStores.open("gs://user:secret@bucket/x", S3Settings.defaults()))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("gs://user:***@bucket/x")
        .hasMessageNotContaining("secret");
  }
}
