package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.files.FileTrees;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table in an object store (S3 or an S3-compatible store), under the store's root: data first,
 * manifest last. See {@link TableLocation} for what that guarantees.
 *
 * <p>Layout: {@value #DATA_DIR}{@code /<runId>/<part>} and {@value StagedTable#REJECTED_DIR}{@code /<runId>/<part>}
 * hold the parts a run uploaded, {@value TableManifest#FILE_NAME} makes them a table. Part names are
 * unique per subtask and attempt and the run id is in every key, so no upload ever replaces another
 * run's or attempt's object, and {@link #abort} finds exactly the objects of its run.
 *
 * <p>{@link #publish} writes the manifest with {@link ObjectStore#putIfAbsent}. On AWS S3 and stores
 * that honour {@code If-None-Match: *} the first of two racing runs wins and the second is refused; on a
 * store that ignores it the check before the write still refuses every run that starts after a table
 * exists, but two committers racing within that window could both write (see
 * {@link ObjectStore#putIfAbsent}).
 *
 * <p>Part files are written to a scratch directory this instance creates under the given parent, and
 * deleted when uploaded or when the instance is closed.
 */
public final class ObjectStoreTableLocation implements TableLocation {
  /** Where a run's embedding parts go: {@code data/<runId>/}. */
  public static final String DATA_DIR = "data";

  private static final Logger LOG = LoggerFactory.getLogger(ObjectStoreTableLocation.class);

  private final ObjectStore store;
  private final boolean ownsStore;
  private final Path scratchParent;
  private Path scratch;

  /**
   * A table at the root of {@code store}, which this location uses and never closes.
   *
   * @param scratchParent the local directory under which part files are written before their upload
   */
  public ObjectStoreTableLocation(ObjectStore store, Path scratchParent) {
    this(store, false, scratchParent);
  }

  ObjectStoreTableLocation(ObjectStore store, boolean ownsStore, Path scratchParent) {
    this.store = Objects.requireNonNull(store, "store");
    this.ownsStore = ownsStore;
    this.scratchParent = Objects.requireNonNull(scratchParent, "scratchParent");
  }

  @Override
  public String describe() {
    return store.describe();
  }

  @Override
  public void requireFree() {
    Optional<TableManifest> existing = manifest();
    if (existing.isPresent()) {
      throw new TableExistsException("output " + describe() + " already holds an embedding table (its "
          + TableManifest.FILE_NAME + " names run " + existing.get().runId() + "); a table is never replaced");
    }
    Optional<ObjectInfo> any = store.findAny("");
    if (any.isPresent()) {
      throw new TableExistsException("output " + describe() + " already exists and is not empty (it holds '"
          + any.get().key() + "'); give a prefix with no objects under it");
    }
  }

  @Override
  public Optional<TableManifest> manifest() {
    return TableVersions.in(store).latest().map(TableVersions.Version::manifest);
  }

  @Override
  public TableManifest readManifest() {
    return manifest().orElseThrow(() -> new ConnectorException("table manifest " + describe() + TableManifest.FILE_NAME
        + " does not exist; is " + describe() + " a published embedflow table?"));
  }

  @Override
  public <T> T readFile(TableFile file, Function<Path, T> reader) {
    Path local = scratch().resolve("read-" + file.path().replace('/', '_'));
    try {
      try {
        store.download(file.path(), local);
      } catch (ObjectNotFoundException e) {
        throw new ConnectorException("table " + describe() + " lists " + file.path() + " but there is no such object", e);
      }
      long size = Files.size(local);
      if (size != file.sizeBytes()) {
        throw new ConnectorException("table " + describe() + " lists " + file.path() + " with " + file.sizeBytes()
            + " bytes but the object has " + size + " bytes");
      }
      return reader.apply(local);
    } catch (IOException e) {
      throw new ConnectorException("cannot read the download of " + file.path() + " from " + describe() + ": " + e, e);
    } finally {
      deleteQuietly(local);
    }
  }

  @Override
  public Path partFile(String runId, PartKind kind, String name) {
    PartNames.checkRunId(runId);
    PartNames.check(name);
    Path dir = scratch().resolve(runId).resolve(kind.name().toLowerCase(java.util.Locale.ROOT));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ConnectorException("cannot create scratch directory " + dir + " for part " + name + ": " + e, e);
    }
    return dir.resolve(name);
  }

  @Override
  public TableFile stagePart(String runId, PartKind kind, String name, long rows) {
    Path file = partFile(runId, kind, name);
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new ConnectorException("cannot read the size of part file " + file + ": " + e, e);
    }
    String key = runPrefix(kind, runId) + name;
    store.put(key, file);
    deleteQuietly(file);
    return new TableFile(key, rows, size);
  }

  @Override
  public void publish(TableManifest manifest) {
    String runId = PartNames.checkRunId(manifest.runId());
    Optional<TableManifest> existing = manifest();
    if (existing.isPresent()) {
      refuseOtherRun(existing.get(), runId);
      LOG.info("table {} of run {} is already published", describe(), runId);
      return;
    }
    Map<String, ObjectInfo> uploaded = uploadedBy(runId);
    Map<String, TableFile> listed = ManifestCheck.check(manifest, new ManifestCheck.Staged() {
      @Override
      public OptionalLong size(String path) {
        ObjectInfo info = uploaded.get(path);
        return info == null ? OptionalLong.empty() : OptionalLong.of(info.size());
      }

      @Override
      public String describe(String path) {
        return "object '" + path + "' of run " + runId + " in " + ObjectStoreTableLocation.this.describe();
      }
    });
    deleteUnlisted(runId, uploaded.keySet(), listed.keySet());
    Path json = scratch().resolve("manifest-" + runId + ".json");
    try {
      Files.write(json, manifest.toJson());
      if (!store.putIfAbsent(TableManifest.FILE_NAME, json)) {
        refuseOtherRun(readManifest(), runId);
        return;
      }
    } catch (IOException e) {
      throw new ConnectorException("cannot write the manifest of run " + runId + " to " + json + ": " + e, e);
    } finally {
      deleteQuietly(json);
    }
    LOG.info("published table {} of run {}: {} rows in {} files, {} rejected", describe(), runId, manifest.rowCount(),
        manifest.files().size(), manifest.rejectedCount());
  }

  @Override
  public void abort(String runId) {
    PartNames.checkRunId(runId);
    Set<String> keep = manifest().filter(m -> m.runId().equals(runId))
        .map(m -> Stream.concat(m.files().stream(), m.rejectedFiles().stream()).map(TableFile::path)
            .collect(Collectors.toSet()))
        .orElse(Set.of());
    int deleted = deleteUnlisted(runId, uploadedBy(runId).keySet(), keep);
    if (deleted > 0) {
      LOG.info("aborted run {} in {}: deleted {} uploaded parts", runId, describe(), deleted);
    }
  }

  /** Deletes the scratch directory, and closes the store when {@link TableLocation#open} opened it. */
  @Override
  public void close() {
    if (scratch != null) {
      FileTrees.deleteQuietly(scratch);
      scratch = null;
    }
    if (ownsStore) {
      store.close();
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  private void refuseOtherRun(TableManifest existing, String runId) {
    if (!existing.runId().equals(runId)) {
      throw new TableExistsException("table " + describe() + " already exists (its " + TableManifest.FILE_NAME
          + " names run " + existing.runId() + "); refusing to overwrite it with run " + runId);
    }
  }

  /** Every object {@code runId} uploaded, by key. */
  private Map<String, ObjectInfo> uploadedBy(String runId) {
    Map<String, ObjectInfo> uploaded = new HashMap<>();
    for (PartKind kind : PartKind.values()) {
      for (ObjectInfo info : store.list(runPrefix(kind, runId))) {
        uploaded.put(info.key(), info);
      }
    }
    return uploaded;
  }

  private int deleteUnlisted(String runId, Set<String> uploaded, Set<String> listed) {
    int deleted = 0;
    for (String key : uploaded.stream().sorted().toList()) {
      if (!listed.contains(key)) {
        LOG.info("deleting {} from {}: run {} uploaded it but its manifest does not list it", key, describe(), runId);
        store.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  private static String runPrefix(PartKind kind, String runId) {
    return (kind == PartKind.DATA ? DATA_DIR : StagedTable.REJECTED_DIR) + "/" + runId + "/";
  }

  private Path scratch() {
    if (scratch == null) {
      try {
        Files.createDirectories(scratchParent);
        scratch = Files.createTempDirectory(scratchParent, "embedflow-table-");
      } catch (IOException e) {
        throw new ConnectorException("cannot create a scratch directory in " + scratchParent + ": " + e, e);
      }
    }
    return scratch;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // scratch space, removed with the scratch directory at close
    }
  }
}
