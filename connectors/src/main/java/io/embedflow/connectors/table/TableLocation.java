package io.embedflow.connectors.table;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ObjectStores;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where an embedding table lives, and how a run publishes one there exactly once. A table exists
 * iff its manifest ({@value TableManifest#FILE_NAME}) exists; readers go by the manifest only, so
 * files it does not list are never part of the table.
 *
 * <p>Two implementations, chosen by {@link #open} from the location:
 * <ul>
 *   <li><b>A local directory</b> ({@link LocalTableLocation}): parts are written into a staging
 *       directory beside the output ({@link StagedTable}) and the finished directory is renamed into
 *       place. The table appears whole or not at all, in one rename; the output directory must not
 *       exist or be empty, so a table is never replaced. The staging directory must be on a file
 *       system every writer and the committer share (one host, or a shared mount).
 *   <li><b>An object store prefix</b> such as {@code s3://bucket/tables/docs/}
 *       ({@link ObjectStoreTableLocation}): data first, manifest last. Each writer writes its part to a
 *       local scratch file and uploads the finished part to a key unique to the run and attempt
 *       ({@code data/<runId>/part-…}, {@code _rejected/<runId>/part-…}); the committer checks the
 *       parts, deletes those of losing attempts and writes the manifest last, with put-if-absent, so
 *       an existing table is never overwritten. Readers never see a partial table because they read
 *       only what a manifest lists. Without the manifest (a failed or aborted run), uploaded parts are
 *       garbage that {@link #abort} removes; they are never read. What is not guaranteed: a tool
 *       that lists the prefix instead of reading the manifest can see a running run's parts; and
 *       on a store that ignores {@code If-None-Match: *}, two committers racing within moments of
 *       each other could both write a manifest (see {@link ObjectStoreTableLocation}).
 * </ul>
 *
 * <p><b>Lifecycle of one run</b>: {@link #requireFree} before the job starts; each writer gets a
 * {@link #partFile}, writes it, then {@link #stagePart}s it and reports the returned
 * {@link TableFile} to the one committer, which calls {@link #publish}; on failure the coordinator
 * calls {@link #abort}. {@link #publish} and {@link #abort} are idempotent, so a restarted committer or
 * coordinator can repeat them.
 *
 * <p><b>Threads and ownership</b>: an instance is used by one thread at a time and may hold a client
 * (for S3) and local scratch files; {@link #close()} releases both. Open one per operator instance,
 * never per record. Every method blocks until done.
 *
 * <pre>{@code
 * try (TableLocation table = TableLocation.open("s3://bucket/tables/docs/", S3Settings.fromEnvironment())) {
 *   Path file = table.partFile(runId, PartKind.DATA, "part-00000-0.parquet");
 *   try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.INT64, 384)) { ... }
 *   TableFile part = table.stagePart(runId, PartKind.DATA, "part-00000-0.parquet", rows);
 *   table.publish(new TableManifest(TableManifest.FORMAT, runId, ..., List.of(part), List.of()));
 * }
 * }</pre>
 */
public interface TableLocation extends AutoCloseable {
  /**
   * Opens {@code location}: {@code s3://bucket/prefix/} on S3 with a client built from {@code settings},
   * else a local directory (a plain path or a {@code file:} URI). Opening reads and writes nothing.
   * Part files waiting for their upload go under the system's temporary directory.
   *
   * @throws io.embedflow.connectors.ConnectorException for an invalid location
   */
  static TableLocation open(String location, S3Settings settings) {
    return open(location, settings, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * {@link #open(String, S3Settings)} with part files waiting for their upload under {@code scratchDir}
   * (e.g. a task manager's temporary directory); a local table never uses it.
   */
  static TableLocation open(String location, S3Settings settings, Path scratchDir) {
    String normalized = ObjectStores.normalize(location);
    if (ObjectStores.isS3(normalized)) {
      return new ObjectStoreTableLocation(ObjectStores.open(normalized, settings), true, scratchDir);
    }
    return new LocalTableLocation(Path.of(normalized));
  }

  /** Where the table is, as users write it: an absolute directory or {@code s3://bucket/prefix/}. */
  String describe();

  /**
   * Refuses, before a run starts, a location that already holds a table or anything else (the rule is
   * "must not exist or be empty").
   *
   * @throws TableExistsException naming the location and what is there
   */
  void requireFree();

  /**
   * The table's manifest, or empty when there is no table here.
   *
   * @throws io.embedflow.connectors.ConnectorException when the manifest exists but cannot be read or parsed
   */
  Optional<TableManifest> manifest();

  /**
   * The table's manifest.
   *
   * @throws io.embedflow.connectors.ConnectorException naming the location when there is no table here
   */
  default TableManifest readManifest() {
    return manifest().orElseThrow(() -> new io.embedflow.connectors.ConnectorException("table manifest "
        + TableManifest.FILE_NAME + " does not exist in " + describe() + "; is it a published embedflow table?"));
  }

  /**
   * Applies {@code reader} to a local copy of {@code file}, a file the manifest lists, after checking its
   * size against the manifest's; a downloaded copy is deleted when {@code reader} returns.
   *
   * @throws io.embedflow.connectors.ConnectorException when the file is missing or has another size
   */
  <T> T readFile(TableFile file, Function<Path, T> reader);

  /**
   * The local file a writer of {@code runId} writes the part {@code name} (e.g. {@code part-00003-1.parquet},
   * unique per subtask and attempt) into; its directory exists, the file does not yet.
   */
  Path partFile(String runId, PartKind kind, String name);

  /**
   * Adds the finished, closed {@link #partFile} to the run's staged table (for an object store: uploads
   * it and deletes the local file) and returns how the manifest lists it.
   */
  TableFile stagePart(String runId, PartKind kind, String name, long rows);

  /**
   * Publishes the run of {@code manifest.runId()}: checks that every file the manifest lists was staged
   * by that run with the listed size and that the row counts add up, removes the run's other staged
   * parts (failed attempts), and makes the table visible. A repeat after success is a no-op.
   *
   * @throws TableExistsException when another run's table is already here; nothing is changed then
   * @throws io.embedflow.connectors.ConnectorException when the manifest does not match the staged parts
   */
  void publish(TableManifest manifest);

  /**
   * Removes everything {@code runId} staged or uploaded that no published manifest lists; leaves no
   * manifest behind and never touches another run's files. Idempotent.
   */
  void abort(String runId);

  /** Releases the client and the local scratch files this instance created. */
  @Override
  void close();
}
