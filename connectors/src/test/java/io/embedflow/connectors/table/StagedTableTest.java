package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedTableTest {
  @TempDir Path dir;

  private static TableManifest manifest(String runId, List<TableFile> files, List<TableFile> rejected) {
    return new TableManifest(TableManifest.FORMAT, runId, "model-1", "starter/1", "data-1", "INT64", 8,
        files.stream().mapToLong(TableFile::rows).sum(), rejected.stream().mapToLong(TableFile::rows).sum(), 0,
        Instant.parse("2025-01-02T03:04:05.123Z"), files, rejected);
  }

  private static TableFile stage(StagedTable table, String path, String content, long rows) throws IOException {
    Path file = table.stagingDir().resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    return TableFile.of(table.stagingDir(), file, rows);
  }

  private static List<String> listTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void outputAppearsOnlyAfterPublishWithOnlyTheListedFiles() throws IOException {
    Path output = dir.resolve("tables/out");
    StagedTable table = StagedTable.open(output, "run-7");

    assertThat(table.output()).isEqualTo(output.toAbsolutePath());
    assertThat(table.stagingDir()).isEqualTo(dir.resolve("tables/.out.staging-run-7").toAbsolutePath());
    assertThat(table.stagingDir().resolve(StagedTable.REJECTED_DIR)).isDirectory();

    TableFile part0 = stage(table, "part-00000.parquet", "rows 0", 10);
    TableFile part1 = stage(table, "part-00001.parquet", "rows 1 longer", 5);
    TableFile rejected = stage(table, "_rejected/part-00000.parquet", "bad", 2);
    stage(table, "part-00000-attempt-2.parquet", "leftover", 0);
    stage(table, "_rejected/part-00009.parquet", "leftover", 0);
    stage(table, "tmp/junk", "leftover", 0);
    assertThat(output).doesNotExist();

    table.publish(manifest("run-7", List.of(part0, part1), List.of(rejected)));

    assertThat(table.stagingDir()).doesNotExist();
    assertThat(listTree(output)).containsExactly(
        "_embedflow.json", "_rejected/part-00000.parquet", "part-00000.parquet", "part-00001.parquet");
    assertThat(output.resolve("tmp")).doesNotExist();
    assertThat(Files.readString(output.resolve("part-00001.parquet"))).isEqualTo("rows 1 longer");
    TableManifest read = TableManifest.read(output);
    assertThat(read).isEqualTo(manifest("run-7", List.of(part0, part1), List.of(rejected)));
  }

  @Test
  void keepsAnEmptyRejectedDirectory() throws IOException {
    StagedTable table = StagedTable.open(dir.resolve("out"), "r");
    TableFile part = stage(table, "part-00000.parquet", "x", 1);
    table.publish(manifest("r", List.of(part), List.of()));
    assertThat(dir.resolve("out/_rejected")).isEmptyDirectory();
  }

  @Test
  void openIsIdempotent() throws IOException {
    Path output = dir.resolve("out");
    StagedTable first = StagedTable.open(output, "run");
    TableFile part = stage(first, "part-00000.parquet", "x", 1);

    StagedTable second = StagedTable.open(output, "run");

    assertThat(second.stagingDir()).isEqualTo(first.stagingDir());
    assertThat(second.stagingDir().resolve(part.path())).hasContent("x");
  }

  @Test
  void replacesAnEmptyOutputDirectory() throws IOException {
    Path output = Files.createDirectory(dir.resolve("out"));
    StagedTable table = StagedTable.open(output, "run");
    TableFile part = stage(table, "part-00000.parquet", "x", 1);

    table.publish(manifest("run", List.of(part), List.of()));

    assertThat(output.resolve("part-00000.parquet")).hasContent("x");
  }

  @Test
  void refusesANonEmptyOutput() throws IOException {
    Path output = Files.createDirectory(dir.resolve("out"));
    Files.writeString(output.resolve("old.parquet"), "old");

    assertThatThrownBy(() -> StagedTable.open(output, "run"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(output.toString())
        .hasMessageContaining("already exists and is not empty");
    assertThat(dir.resolve(".out.staging-run")).doesNotExist();
  }

  @Test
  void refusesAnOutputThatFilledUpBeforePublish() throws IOException {
    Path output = dir.resolve("out");
    StagedTable table = StagedTable.open(output, "run");
    TableFile part = stage(table, "part-00000.parquet", "x", 1);
    Files.createDirectories(output);
    Files.writeString(output.resolve("other"), "someone else");

    assertThatThrownBy(() -> table.publish(manifest("run", List.of(part), List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("already exists and is not empty");
    assertThat(listTree(output)).containsExactly("other");
  }

  @Test
  void abortLeavesNoOutput() throws IOException {
    Path output = dir.resolve("out");
    StagedTable table = StagedTable.open(output, "run");
    stage(table, "part-00000.parquet", "x", 1);
    stage(table, "_rejected/part-00000.parquet", "y", 1);

    table.abort();
    table.abort();

    assertThat(table.stagingDir()).doesNotExist();
    assertThat(output).doesNotExist();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void abortNeverTouchesTheOutput() throws IOException {
    Path output = Files.createDirectory(dir.resolve("out"));
    StagedTable table = StagedTable.open(output, "run");
    table.abort();
    assertThat(output).isEmptyDirectory();
  }

  @Test
  void publishAfterAbortFails() throws IOException {
    StagedTable table = StagedTable.open(dir.resolve("out"), "run");
    TableFile part = stage(table, "part-00000.parquet", "x", 1);
    table.abort();
    assertThatThrownBy(() -> table.publish(manifest("run", List.of(part), List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(table.stagingDir().toString());
  }

  @Test
  void publishingTwiceIsANoOp() throws IOException {
    StagedTable table = StagedTable.open(dir.resolve("out"), "run");
    TableFile part = stage(table, "part-00000.parquet", "x", 1);
    TableManifest manifest = manifest("run", List.of(part), List.of());
    table.publish(manifest);

    table.publish(manifest);

    assertThat(TableManifest.read(table.output())).isEqualTo(manifest);
  }

  @Test
  void refusesAManifestThatDoesNotMatchTheStagedFiles() throws IOException {
    Path output = dir.resolve("out");
    StagedTable table = StagedTable.open(output, "run");
    TableFile part = stage(table, "part-00000.parquet", "x", 1);

    assertThatThrownBy(() -> table.publish(manifest("run", List.of(part, new TableFile("part-00001.parquet", 1, 1)),
        List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("part-00001.parquet")
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> table.publish(manifest("run", List.of(new TableFile(part.path(), 1, 99)), List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("99 bytes");
    TableManifest wrongCount = new TableManifest(TableManifest.FORMAT, "run", "m", null, "d", "INT64", 8, 5, 0, 0,
        Instant.now(), List.of(part), List.of());
    assertThatThrownBy(() -> table.publish(wrongCount))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("rowCount 5");
    assertThatThrownBy(() -> table.publish(manifest("other-run", List.of(part), List.of())))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("other-run");

    assertThat(output).doesNotExist();
    assertThat(table.stagingDir().resolve(part.path())).exists();
  }

  @Test
  void tableFilePathsStayInsideTheTable() {
    assertThatThrownBy(() -> new TableFile("../x.parquet", 1, 1)).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> new TableFile("/abs.parquet", 1, 1)).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> new TableFile("a/../../x", 1, 1)).isInstanceOf(ConnectorException.class);
    assertThat(new TableFile("_rejected/part-00000.parquet", 1, 1).path()).isEqualTo("_rejected/part-00000.parquet");
  }

  @Test
  void runIdMustBeUsableInADirectoryName() {
    assertThatThrownBy(() -> StagedTable.open(dir.resolve("out"), "a/b")).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> StagedTable.open(dir.resolve("out"), "")).isInstanceOf(ConnectorException.class);
  }
}
