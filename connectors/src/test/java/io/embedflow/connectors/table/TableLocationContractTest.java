package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link TableLocation}, run against every implementation (STYLE.md #15): a table
 * exists iff its manifest does, it holds exactly the listed files, it is never replaced, and an
 * aborted run leaves nothing behind.
 */
abstract class TableLocationContractTest {
  @TempDir Path dir;
  protected TableLocation table;

  /** A new location where nothing is yet; closed after each test. */
  protected abstract TableLocation newLocation() throws Exception;

  /**
   * Every file the location holds or any run left for it, relative to the table, sorted; files outside
   * the table (a local staging directory) start with {@code ../}.
   */
  protected abstract List<String> everything() throws IOException;

  /** Puts a file that no run wrote at {@code path} in the table. */
  protected abstract void putStray(String path, String content) throws IOException;

  @BeforeEach
  void openLocation() throws Exception {
    table = newLocation();
  }

  @AfterEach
  void closeLocation() {
    table.close();
  }

  protected TableFile part(String runId, PartKind kind, String name, String content, long rows) throws IOException {
    Path file = table.partFile(runId, kind, name);
    assertThat(file).doesNotExist();
    Files.writeString(file, content);
    return table.stagePart(runId, kind, name, rows);
  }

  protected static TableManifest manifest(String runId, List<TableFile> files, List<TableFile> rejected) {
    return new TableManifest(TableManifest.FORMAT, runId, "model-1", "starter/1", "data-1", "INT64", 8,
        files.stream().mapToLong(TableFile::rows).sum(), rejected.stream().mapToLong(TableFile::rows).sum(), 0,
        Instant.parse("2025-01-02T03:04:05.123Z"), files, rejected);
  }

  private static List<String> paths(TableManifest manifest) {
    List<String> paths = new ArrayList<>(List.of(TableManifest.FILE_NAME));
    Stream.concat(manifest.files().stream(), manifest.rejectedFiles().stream()).map(TableFile::path).forEach(paths::add);
    return paths;
  }

  @Test
  void thereIsNoTableUntilPublishAndThenExactlyTheListedFiles() throws IOException {
    table.requireFree();
    TableFile part0 = part("run-7", PartKind.DATA, "part-00000-1.parquet", "rows 0", 10);
    TableFile part1 = part("run-7", PartKind.DATA, "part-00001-0.parquet", "rows 1 longer", 5);
    TableFile rejected = part("run-7", PartKind.REJECTED, "part-00000-1.parquet", "bad", 2);
    part("run-7", PartKind.DATA, "part-00000-0.parquet", "a failed attempt", 3);
    part("run-7", PartKind.REJECTED, "part-00009-0.parquet", "a failed attempt", 1);
    assertThat(table.manifest()).isEmpty();
    assertThatThrownBy(table::readManifest).isInstanceOf(ConnectorException.class)
        .hasMessageContaining(table.describe()).hasMessageContaining("does not exist");

    TableManifest manifest = manifest("run-7", List.of(part0, part1), List.of(rejected));
    table.publish(manifest);

    assertThat(table.manifest()).contains(manifest);
    assertThat(table.readManifest()).isEqualTo(manifest);
    assertThat(everything()).containsExactlyInAnyOrderElementsOf(paths(manifest));
    assertThat(rejected.path()).contains(StagedTable.REJECTED_DIR + "/");
    assertThat(content(part1)).isEqualTo("rows 1 longer");
    assertThat(content(rejected)).isEqualTo("bad");
  }

  @Test
  void publishingTwiceIsANoOp() throws IOException {
    TableManifest manifest = manifest("run", List.of(part("run", PartKind.DATA, "part-00000-0.parquet", "x", 1)), List.of());
    table.publish(manifest);

    table.publish(manifest);

    assertThat(table.readManifest()).isEqualTo(manifest);
    assertThat(everything()).containsExactlyInAnyOrderElementsOf(paths(manifest));
  }

  @Test
  void aLocationWithATableIsNotFree() throws IOException {
    table.publish(manifest("run-a", List.of(part("run-a", PartKind.DATA, "part-00000-0.parquet", "x", 1)), List.of()));

    assertThatThrownBy(table::requireFree).isInstanceOf(TableExistsException.class)
        .hasMessageContaining(table.describe());
  }

  @Test
  void aLocationWithAnythingInItIsNotFree() throws IOException {
    putStray("notes.txt", "someone else's");

    assertThatThrownBy(table::requireFree).isInstanceOf(TableExistsException.class)
        .hasMessageContaining(table.describe())
        .hasMessageContaining("not empty");
    assertThat(everything()).containsExactly("notes.txt");
  }

  @Test
  void anotherRunsTableIsNeverOverwrittenAndTheLoserAbortsCleanly() throws IOException {
    TableManifest first = manifest("run-a", List.of(part("run-a", PartKind.DATA, "part-00000-0.parquet", "a", 1)),
        List.of());
    TableFile late = part("run-b", PartKind.DATA, "part-00000-0.parquet", "b", 1);
    table.publish(first);

    assertThatThrownBy(() -> table.publish(manifest("run-b", List.of(late), List.of())))
        .isInstanceOf(TableExistsException.class)
        .hasMessageContaining(table.describe())
        .hasMessageContaining("run-a");
    table.abort("run-b");

    assertThat(table.readManifest()).isEqualTo(first);
    assertThat(everything()).containsExactlyInAnyOrderElementsOf(paths(first));
    assertThat(content(first.files().get(0))).isEqualTo("a");
  }

  @Test
  void abortRemovesEverythingTheRunWroteAndLeavesNoManifest() throws IOException {
    part("run", PartKind.DATA, "part-00000-0.parquet", "x", 1);
    part("run", PartKind.REJECTED, "part-00000-0.parquet", "y", 1);
    assertThat(everything()).isNotEmpty();

    table.abort("run");
    table.abort("run");

    assertThat(table.manifest()).isEmpty();
    assertThat(everything()).isEmpty();
    table.requireFree();
  }

  @Test
  void abortAfterPublishKeepsTheTable() throws IOException {
    TableManifest manifest = manifest("run", List.of(part("run", PartKind.DATA, "part-00000-0.parquet", "x", 1)), List.of());
    table.publish(manifest);

    table.abort("run");

    assertThat(table.readManifest()).isEqualTo(manifest);
    assertThat(everything()).containsExactlyInAnyOrderElementsOf(paths(manifest));
  }

  @Test
  void aManifestThatDoesNotMatchTheStagedPartsIsRefusedAndNothingIsPublished() throws IOException {
    TableFile part = part("run", PartKind.DATA, "part-00000-0.parquet", "x", 1);
    TableFile missing = new TableFile(part.path().replace("part-00000-0", "part-00001-0"), 1, 1);

    assertThatThrownBy(() -> table.publish(manifest("run", List.of(part, missing), List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(missing.path())
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> table.publish(manifest("run", List.of(new TableFile(part.path(), 1, 99)), List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("99 bytes");
    TableManifest wrongCount = new TableManifest(TableManifest.FORMAT, "run", "m", null, "d", "INT64", 8, 5, 0, 0,
        Instant.now(), List.of(part), List.of());
    assertThatThrownBy(() -> table.publish(wrongCount))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("rowCount 5");

    assertThat(table.manifest()).isEmpty();
    table.publish(manifest("run", List.of(part), List.of()));
    assertThat(content(part)).isEqualTo("x");
  }

  @Test
  void readingAFileOfAnotherSizeThanListedFails() throws IOException {
    TableFile part = part("run", PartKind.DATA, "part-00000-0.parquet", "xyz", 1);
    table.publish(manifest("run", List.of(part), List.of()));

    assertThatThrownBy(() -> table.readFile(new TableFile(part.path(), 1, 4), file -> read(file)))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(part.path())
        .hasMessageContaining("4 bytes");
  }

  @Test
  void runIdsAndPartNamesAreOnePathSegment() {
    assertThatThrownBy(() -> table.partFile("a/b", PartKind.DATA, "part-0.parquet")).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> table.partFile("..", PartKind.DATA, "part-0.parquet")).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> table.partFile("run", PartKind.DATA, "../x.parquet")).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> table.abort("")).isInstanceOf(ConnectorException.class);
  }

  private String content(TableFile file) {
    return table.readFile(file, TableLocationContractTest::read);
  }

  protected static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
