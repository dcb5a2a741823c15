package io.embedflow.connectors.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of local directories for repeated checks: the planner's id, files hashed only when they change. */
class DirectorySnapshotTest {
  @TempDir Path dir;
  @TempDir Path scratch;

  @Test
  void sameIdAsAPlanAndEachFileHashedOnlyWhenItChanges() throws IOException {
    InputFiles.writeDocs(dir.resolve("day=1/a.parquet"), 0, IdType.INT64, 20, 10);
    InputFiles.writeDocs(dir.resolve("day=2/b.parquet"), 1, IdType.INT64, 15, 10);
    InputFiles.writeDocs(dir.resolve("day=2/_tmp/skip.parquet"), 2, IdType.INT64, 5, 5);
    FileFingerprints fingerprints = new FileFingerprints();

    DataSnapshot all = DataSnapshots.ofDirectory(dir, PartitionFilter.all(), fingerprints).orElseThrow();
    assertThat(all.id()).isEqualTo(ShardPlanner.plan(dir, "id", "body").snapshot().id());
    assertThat(fingerprints.filesRead()).isEqualTo(2);
    PartitionFilter day2 = PartitionFilter.parse(List.of("day=2"));
    assertThat(DataSnapshots.ofDirectory(dir, day2, fingerprints).orElseThrow().id())
        .isEqualTo(ShardPlanner.plan(dir.toString(), "id", "body", day2, null).snapshot().id());
    assertThat(DataSnapshots.ofDirectory(dir, PartitionFilter.parse(List.of("day=3")), fingerprints)).isEmpty();
    assertThat(fingerprints.filesRead()).as("unchanged files are not read again").isEqualTo(2);

    // a rewrite is noticed even when the size stays the same
    Path b = dir.resolve("day=2/b.parquet");
    Path other = scratch.resolve("b.parquet");
    InputFiles.writeDocs(other, 7, IdType.INT64, 15, 10);
    Files.copy(other, b, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() + 2_000));
    DataSnapshot changed = DataSnapshots.ofDirectory(dir, PartitionFilter.all(), fingerprints).orElseThrow();
    assertThat(fingerprints.filesRead()).isEqualTo(3);
    assertThat(changed.id()).isNotEqualTo(all.id()).isEqualTo(ShardPlanner.plan(dir, "id", "body").snapshot().id());

    // nothing is written into the dataset
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.map(p -> dir.relativize(p).toString()).filter(p -> p.contains(".tmp"))).isEmpty();
    }
  }

  @Test
  void aDirectoryWithoutParquetFilesHasNoSnapshot() throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "no data yet");
    assertThat(DataSnapshots.ofDirectory(dir, PartitionFilter.all(), new FileFingerprints())).isEmpty();
  }
}
