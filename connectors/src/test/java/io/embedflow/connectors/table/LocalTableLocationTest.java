package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract on a local directory, published by renaming its staging directory into place. */
class LocalTableLocationTest extends TableLocationContractTest {
  private Path tables() {
    return dir.resolve("tables");
  }

  @Override
  protected TableLocation newLocation() {
    return new LocalTableLocation(tables().resolve("out"));
  }

  @Override
  protected List<String> everything() throws IOException {
    Path out = tables().resolve("out");
    if (!Files.isDirectory(tables())) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(tables())) {
      return files.filter(Files::isRegularFile)
          .map(p -> p.startsWith(out) ? out.relativize(p).toString() : "../" + tables().relativize(p))
          .map(p -> p.replace('\\', '/'))
          .sorted()
          .toList();
    }
  }

  @Override
  protected void putStray(String path, String content) throws IOException {
    Path file = tables().resolve("out").resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  @Test
  void partsAreStagedBesideTheOutputUnderTheirLocalNames() throws IOException {
    TableFile data = part("run-3", PartKind.DATA, "part-00002-1.parquet", "x", 1);
    TableFile rejected = part("run-3", PartKind.REJECTED, "part-00002-1.parquet", "y", 1);

    assertThat(data.path()).isEqualTo("part-00002-1.parquet");
    assertThat(rejected.path()).isEqualTo("_rejected/part-00002-1.parquet");
    assertThat(everything()).containsExactly("../.out.staging-run-3/_rejected/part-00002-1.parquet",
        "../.out.staging-run-3/part-00002-1.parquet");
    assertThat(table.describe()).isEqualTo(tables().resolve("out").toAbsolutePath().toString());
  }
}
