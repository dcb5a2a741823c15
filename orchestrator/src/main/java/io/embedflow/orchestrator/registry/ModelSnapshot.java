package io.embedflow.orchestrator.registry;

import io.embedflow.connectors.snapshot.SnapshotFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An immutable, content-addressed copy of a model directory.
 *
 * @param id hex SHA-256 of the snapshot's canonical manifest
 * @param files every file, sorted by path
 * @param directory the directory holding exactly these files (and nothing else), laid out as
 *     they were imported; give this to a model loader. Never write into it.
 */
public record ModelSnapshot(String id, List<SnapshotFile> files, Path directory) {

    public ModelSnapshot {
        Objects.requireNonNull(id, "id");
        files = List.copyOf(files);
        Objects.requireNonNull(directory, "directory");
    }

    /** Where {@code file} lies on disk. */
    public Path resolve(SnapshotFile file) {
        return directory.resolve(file.path());
    }

    /** Sum of all file sizes in bytes. */
    public long totalSize() {
        return files.stream().mapToLong(SnapshotFile::size).sum();
    }
}
