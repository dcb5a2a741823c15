package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import io.embedflow.connectors.files.FileTrees;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Atomic publication of a local table (the staging behind {@link LocalTableLocation}): writers put their part files into a staging directory beside the
 * output, and {@link #publish} renames the staging directory into place, so the output appears
 * complete or not at all.
 *
 * <p>The staging directory is {@code <parent>/.<name>.staging-<runId>}, with a {@value #REJECTED_DIR}
 * subdirectory for rejected-row files. {@link #open} is idempotent: every writer of a run (threads
 * of one JVM or processes of one host) may call it and gets the same staging directory. Only one
 * of them calls {@link #publish} or {@link #abort}.
 *
 * <pre>{@code
 * StagedTable table = StagedTable.open(Path.of("/tables/docs-embeddings"), runId);
 * Path part = table.stagingDir().resolve("part-00000.parquet");
 * try (EmbeddingTableWriter writer = new EmbeddingTableWriter(part, IdType.INT64, 384)) { ... }
 * table.publish(new TableManifest(TableManifest.FORMAT, runId, ..., List.of(TableFile.of(table.stagingDir(), part, rows)), List.of()));
 * }</pre>
 */
public final class StagedTable {
  /** Subdirectory of the table holding rejected-row files. */
  public static final String REJECTED_DIR = "_rejected";

  private static final Logger LOG = LoggerFactory.getLogger(StagedTable.class);

  private final Path output;
  private final Path stagingDir;
  private final String runId;

  private StagedTable(Path output, Path stagingDir, String runId) {
    this.output = output;
    this.stagingDir = stagingDir;
    this.runId = runId;
  }

  /**
   * Opens (creating if absent, reusing if present) the staging directory of {@code runId} for {@code output}.
   *
   * @throws ConnectorException when {@code output} exists and is not an empty directory, or the
   *     staging directory cannot be created
   */
  public static StagedTable open(Path output, String runId) {
    StagedTable table = existing(output, runId);
    checkOutputFree(table.output);
    try {
      Files.createDirectories(table.stagingDir.resolve(REJECTED_DIR));
    } catch (IOException e) {
      throw new ConnectorException("cannot create staging directory " + table.stagingDir + ": " + e.getMessage(), e);
    }
    return table;
  }

  /** The staging of {@code runId} for {@code output}, checking and creating nothing: for {@link #abort}. */
  static StagedTable existing(Path output, String runId) {
    Objects.requireNonNull(output, "output");
    PartNames.checkRunId(runId);
    Path absolute = output.toAbsolutePath().normalize();
    if (absolute.getParent() == null) {
      throw new ConnectorException("output " + absolute + " must not be a file system root");
    }
    Path staging = absolute.getParent().resolve("." + absolute.getFileName() + ".staging-" + runId);
    return new StagedTable(absolute, staging, runId);
  }

  /** The absolute output directory. */
  public Path output() {
    return output;
  }

  /** The absolute staging directory; writers create their part files here. */
  public Path stagingDir() {
    return stagingDir;
  }

  /** The run this table belongs to. */
  public String runId() {
    return runId;
  }

  /**
   * Publishes the table: checks that every file the manifest lists is in staging with the listed
   * size and that the row counts add up, writes the manifest into staging, deletes every other
   * file there (leftovers of failed attempts), then atomically renames staging to the output.
   *
   * <p>Calling it again after a successful publish of the same run is a no-op, so a committer that
   * crashed after the rename can retry.
   *
   * @throws ConnectorException when the manifest is for another run or does not match the staged
   *     files, when the output appeared meanwhile and is not empty, or on an I/O error; the output
   *     is untouched then
   */
  public void publish(TableManifest manifest) {
    Objects.requireNonNull(manifest, "manifest");
    if (!runId.equals(manifest.runId())) {
      throw new ConnectorException("manifest is for run " + manifest.runId() + " but " + stagingDir
          + " stages run " + runId);
    }
    if (!Files.isDirectory(stagingDir)) {
      if (isPublished()) {
        LOG.info("table {} of run {} is already published", output, runId);
        return;
      }
      throw new ConnectorException("staging directory " + stagingDir + " does not exist; run " + runId
          + " was aborted or its staging directory removed");
    }
    Map<String, TableFile> listed = checkListedFiles(manifest);
    manifest.writeTo(stagingDir);
    removeUnlisted(listed);
    moveIntoPlace();
    LOG.info("published table {} of run {}: {} rows in {} files, {} rejected", output, runId, manifest.rowCount(),
        manifest.files().size(), manifest.rejectedCount());
  }

  /** Deletes the staging directory and everything in it; never touches the output. Idempotent. */
  public void abort() {
    if (!Files.exists(stagingDir)) {
      return;
    }
    try {
      FileTrees.delete(stagingDir);
    } catch (IOException e) {
      throw new ConnectorException("cannot delete staging directory " + stagingDir + ": " + e.getMessage(), e);
    }
    LOG.info("aborted table {} of run {}", output, runId);
  }

  private static void checkOutputFree(Path output) {
    if (!Files.exists(output)) {
      return;
    }
    if (Files.isDirectory(output)) {
      try (Stream<Path> entries = Files.list(output)) {
        if (entries.findAny().isEmpty()) {
          return;
        }
      } catch (IOException e) {
        throw new ConnectorException("cannot list output " + output + ": " + e.getMessage(), e);
      }
    }
    throw new TableExistsException("output " + output + " already exists and is not empty");
  }

  private boolean isPublished() {
    if (!Files.isRegularFile(output.resolve(TableManifest.FILE_NAME))) {
      return false;
    }
    return runId.equals(TableManifest.read(output).runId());
  }

  private Map<String, TableFile> checkListedFiles(TableManifest manifest) {
    return ManifestCheck.check(manifest, new ManifestCheck.Staged() {
      @Override
      public OptionalLong size(String path) {
        Path file = stagingDir.resolve(path);
        try {
          return OptionalLong.of(Files.size(file));
        } catch (NoSuchFileException e) {
          return OptionalLong.empty();
        } catch (IOException e) {
          throw new ConnectorException("cannot read the size of " + file + ": " + e.getMessage(), e);
        }
      }

      @Override
      public String describe(String path) {
        return stagingDir.resolve(path).toString();
      }
    });
  }

  private void removeUnlisted(Map<String, TableFile> listed) {
    Path rejectedDir = stagingDir.resolve(REJECTED_DIR);
    try {
      Files.walkFileTree(stagingDir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String relative = stagingDir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
          if (!relative.equals(TableManifest.FILE_NAME) && !listed.containsKey(relative)) {
            LOG.info("removing {} from staging of run {}: not listed in the manifest", relative, runId);
            Files.delete(file);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null) {
            throw e;
          }
          if (!dir.equals(stagingDir) && !dir.equals(rejectedDir)) {
            try {
              Files.delete(dir);
            } catch (DirectoryNotEmptyException keep) {
              // holds listed files
            }
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new ConnectorException("cannot clean staging directory " + stagingDir + ": " + e.getMessage(), e);
    }
  }

  private void moveIntoPlace() {
    try {
      if (Files.exists(output)) {
        checkOutputFree(output);
        Files.delete(output);
      }
      Files.move(stagingDir, output, StandardCopyOption.ATOMIC_MOVE);
    } catch (DirectoryNotEmptyException e) {
      throw new TableExistsException("output " + output + " already exists and is not empty", e);
    } catch (IOException e) {
      throw new ConnectorException("cannot move staging directory " + stagingDir + " to " + output + ": "
          + e.getMessage(), e);
    }
  }
}
