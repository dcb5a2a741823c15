package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A table in a local directory, published by renaming a staging directory into place
 * ({@link StagedTable}); see {@link TableLocation} for what that guarantees. Holds nothing open.
 */
public final class LocalTableLocation implements TableLocation {
  private final Path dir;

  /** The table directory {@code dir} (made absolute); nothing is created until a part is written. */
  public LocalTableLocation(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
  }

  /** The absolute table directory. */
  public Path directory() {
    return dir;
  }

  @Override
  public String describe() {
    return dir.toString();
  }

  @Override
  public void requireFree() {
    if (Files.isRegularFile(dir)) {
      throw new TableExistsException("output " + dir + " is a file; give a directory that does not exist yet");
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new TableExistsException("output " + dir + " already exists and is not empty");
        }
      } catch (IOException e) {
        throw new ConnectorException("cannot read output directory " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public Optional<TableManifest> manifest() {
    return TableVersions.local(dir).latest().map(TableVersions.Version::manifest);
  }

  @Override
  public <T> T readFile(TableFile file, Function<Path, T> reader) {
    Path path = dir.resolve(file.path());
    long size;
    try {
      size = Files.size(path);
    } catch (IOException e) {
      throw new ConnectorException("table " + dir + " lists " + file.path() + " but " + path + " cannot be read: " + e, e);
    }
    if (size != file.sizeBytes()) {
      throw new ConnectorException("table " + dir + " lists " + file.path() + " with " + file.sizeBytes() + " bytes but "
          + path + " has " + size + " bytes");
    }
    return reader.apply(path);
  }

  @Override
  public Path partFile(String runId, PartKind kind, String name) {
    return StagedTable.open(dir, runId).stagingDir().resolve(relativePath(kind, name));
  }

  @Override
  public TableFile stagePart(String runId, PartKind kind, String name, long rows) {
    StagedTable staged = StagedTable.open(dir, runId);
    return TableFile.of(staged.stagingDir(), staged.stagingDir().resolve(relativePath(kind, name)), rows);
  }

  @Override
  public void publish(TableManifest manifest) {
    Optional<TableManifest> published = manifest();
    if (published.isPresent()) {
      if (!published.get().runId().equals(manifest.runId())) {
        throw new TableExistsException("table " + dir + " already exists (its " + TableManifest.FILE_NAME
            + " names run " + published.get().runId() + "); refusing to overwrite it with run " + manifest.runId());
      }
      return;
    }
    StagedTable.open(dir, manifest.runId()).publish(manifest);
  }

  @Override
  public void abort(String runId) {
    StagedTable.existing(dir, runId).abort();
  }

  /** Nothing to release. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return describe();
  }

  private static String relativePath(PartKind kind, String name) {
    PartNames.check(name);
    return kind == PartKind.REJECTED ? StagedTable.REJECTED_DIR + "/" + name : name;
  }
}
