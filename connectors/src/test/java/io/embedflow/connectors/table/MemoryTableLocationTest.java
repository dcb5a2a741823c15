package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.store.MemoryObjectStore;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ForwardingObjectStore;
import io.embedflow.connectors.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract on an object store in memory, and where its parts and scratch files go. */
class MemoryTableLocationTest extends TableLocationContractTest {
  private ObjectStore store;

  @Override
  protected TableLocation newLocation() {
    store = new MemoryObjectStore();
    return new ObjectStoreTableLocation(store, dir.resolve("scratch"));
  }

  @Override
  protected List<String> everything() {
    return store.list("").stream().map(ObjectInfo::key).toList();
  }

  @Override
  protected void putStray(String path, String content) {
    store.putBytes(path, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void partsGoToKeysUniqueToRunAndAttemptAndScratchFilesAreRemoved() throws IOException {
    Path local = table.partFile("run-3", PartKind.DATA, "part-00002-1.parquet");
    assertThat(local.startsWith(dir.resolve("scratch"))).as(local.toString()).isTrue();

    TableFile data = part("run-3", PartKind.DATA, "part-00002-1.parquet", "x", 1);
    TableFile rejected = part("run-3", PartKind.REJECTED, "part-00002-1.parquet", "y", 1);

    assertThat(data).isEqualTo(new TableFile("data/run-3/part-00002-1.parquet", 1, 1));
    assertThat(rejected.path()).isEqualTo("_rejected/run-3/part-00002-1.parquet");
    assertThat(everything()).containsExactly("_rejected/run-3/part-00002-1.parquet", "data/run-3/part-00002-1.parquet");
    assertThat(local).doesNotExist();
    table.partFile("run-3", PartKind.DATA, "part-00003-0.parquet");
    table.close();
    try (Stream<Path> left = Files.list(dir.resolve("scratch"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aManifestThatAppearsWhileCommittingWinsAndIsNotOverwritten() throws IOException {
    TableFile part = part("run-b", PartKind.DATA, "part-00000-0.parquet", "b", 1);
    TableManifest winner = manifest("run-a", List.of(), List.of());
    ObjectStore racing = new RacingStore(store, winner);
    try (TableLocation slow = new ObjectStoreTableLocation(racing, dir.resolve("scratch"))) {
      assertThatThrownBy(() -> slow.publish(manifest("run-b", List.of(part), List.of())))
          .isInstanceOf(TableExistsException.class)
          .hasMessageContaining("run-a");
    }
    assertThat(table.readManifest()).isEqualTo(winner);
  }

  /** A store where another committer writes its manifest just before this one's put-if-absent. */
  private static final class RacingStore extends ForwardingObjectStore {
    private final TableManifest winner;

    RacingStore(ObjectStore delegate, TableManifest winner) {
      super(delegate);
      this.winner = winner;
    }

    @Override
    public boolean putIfAbsent(String key, Path source) {
      if (key.equals(TableManifest.FILE_NAME)) {
        delegate.putBytes(key, winner.toJson());
      }
      return delegate.putIfAbsent(key, source);
    }
  }
}
