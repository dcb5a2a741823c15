package io.embedflow.connectors.snapshot;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.redact.Redaction;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DataFile;
import io.embedflow.connectors.shard.DataSnapshot;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a job's workers find the model: a directory every worker can read (a local run, a shared
 * volume), or a snapshot in the registry's object store that each worker copies into a local cache
 * and verifies ({@link SnapshotCache}), so that workers share nothing with the orchestrator but the
 * store. Serializable: jobs ship it to their workers, which call {@link #localDirectory} when they
 * start.
 *
 * @param directory the model directory, or null for a snapshot from a store
 * @param store the object store's location ({@code s3://bucket/prefix} or a path), or null
 * @param snapshotId the snapshot's id, for a store
 * @param cacheDir where workers keep copies of snapshots, for a store; null for each worker's
 *     {@link #defaultCacheDir()}
 */
public record ModelSource(String directory, String store, String snapshotId, String cacheDir) implements Serializable {
  private static final long serialVersionUID = 1L;

  public ModelSource {
    if ((directory == null) == (store == null)) {
      throw new ConnectorException("a model source is either a directory or a snapshot in a store");
    }
    if (store != null) {
      if (!SnapshotCache.isId(snapshotId)) {
        throw new ConnectorException("a model from the store " + Redaction.redact(store)
            + " needs its snapshot id (64 lowercase hex digits), got '" + snapshotId + "'");
      }
      if (cacheDir != null && cacheDir.isBlank()) {
        throw new ConnectorException("a model from a store needs a local cache directory, or none for the default");
      }
    }
  }

  /** A model directory the workers can read at this path. */
  public static ModelSource directory(String directory) {
    return new ModelSource(directory, null, null, null);
  }

  /**
   * Snapshot {@code snapshotId} of the store at {@code store}, cached by each worker under {@code cacheDir}
   * (null: the worker's {@link #defaultCacheDir()}).
   */
  public static ModelSource snapshot(String store, String snapshotId, String cacheDir) {
    return new ModelSource(null, store, snapshotId, cacheDir);
  }

  /**
   * A snapshot in a store as a job's options give it ({@code store} normalized, a blank {@code cacheDir} meaning
   * the workers' default), checked with {@link #check} where the job is planned.
   *
   * @throws ConnectorException for a malformed id or store location, or a snapshot the store does not hold
   */
  public static ModelSource checkedSnapshot(String store, String snapshotId, String cacheDir, S3Settings s3) {
    ModelSource model = snapshot(ObjectStores.normalize(store), snapshotId,
        cacheDir == null || cacheDir.isBlank() ? null : cacheDir);
    model.check(s3);
    return model;
  }

  /** The environment variable naming the cache directory of a worker's machine (a volume sized for models). */
  public static final String CACHE_ENV = "EMBEDFLOW_MODEL_CACHE";

  /**
   * The cache directory a worker uses when the job names none, read where the worker runs:
   * {@code $EMBEDFLOW_MODEL_CACHE}, else {@code embedflow-models} in the JVM's temporary directory.
   */
  public static String defaultCacheDir() {
    String fromEnv = System.getenv(CACHE_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "embedflow-models").toString();
  }

  private Path cache() {
    return Path.of(cacheDir != null ? cacheDir : defaultCacheDir());
  }

  public boolean fromStore() {
    return store != null;
  }

  /**
   * Checks, without copying the model, that it can be found: the directory exists, or the store holds
   * the snapshot's manifest (which must hash to its id).
   *
   * @throws ConnectorException naming the directory, or the store and the snapshot
   */
  public void check(S3Settings s3) {
    if (!fromStore()) {
      if (!Files.isDirectory(Path.of(directory))) {
        throw new ConnectorException("model directory " + directory + " does not exist");
      }
      return;
    }
    try (ObjectStore objects = ObjectStores.open(store, s3)) {
      if (new SnapshotCache(objects, cache()).manifest(snapshotId).isEmpty()) {
        throw new ConnectorException("snapshot " + snapshotId + " not found in " + objects.describe());
      }
    }
  }

  /**
   * The model as a local directory, held until closed: the directory itself, or the snapshot copied from the store
   * into the cache (once per cache directory) and verified file by file, kept from eviction while held. Load the
   * model, then close.
   *
   * @throws ConnectorException naming the store, the snapshot and the file at fault
   */
  public SnapshotCache.Held open(S3Settings s3) {
    if (!fromStore()) {
      return SnapshotCache.Held.unmanaged(Path.of(directory));
    }
    try (ObjectStore objects = ObjectStores.open(store, s3)) {
      return new SnapshotCache(objects, cache(), maxCacheBytes()).open(snapshotId);
    }
  }

  /** The environment variable limiting a worker's cache, in bytes or with a Ki, Mi, Gi or Ti suffix (default: none). */
  public static final String CACHE_MAX_ENV = "EMBEDFLOW_MODEL_CACHE_MAX_BYTES";

  /** The worker's cache limit: {@code $EMBEDFLOW_MODEL_CACHE_MAX_BYTES}, else none. */
  static long maxCacheBytes() {
    return parseBytes(CACHE_MAX_ENV, System.getenv(CACHE_MAX_ENV));
  }

  /** {@code 123}, {@code 16Gi}, ...; null or blank for no limit. */
  static long parseBytes(String name, String value) {
    if (value == null || value.isBlank()) {
      return Long.MAX_VALUE;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti)?").matcher(value.strip());
    if (!m.matches()) {
      throw new ConnectorException(name + " must be a number of bytes, optionally with Ki, Mi, Gi or Ti, was '" + value
          + "'");
    }
    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
      case "Ki" -> 10;
      case "Mi" -> 20;
      case "Gi" -> 30;
      default -> 40;
    };
    long number;
    try {
      number = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      number = -1;
    }
    if (number <= 0 || number > (Long.MAX_VALUE >> shift)) {
      throw new ConnectorException(name + " must be positive and below 8 EiB, was '" + value + "'");
    }
    return number << shift;
  }

  /**
   * The id recorded for a model directory that is not in the registry: {@code dir-sha256:} and the hash of
   * its files (paths, sizes and contents), the same on every engine.
   */
  public static String directoryId(Path dir) {
    List<DataFile> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        MessageDigest digest = SnapshotManifest.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), digest)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        files.add(new DataFile(dir.relativize(f).toString(), Files.size(f), HexFormat.of().formatHex(digest.digest())));
      }
    } catch (IOException e) {
      throw new ConnectorException("cannot hash model directory " + dir + ": " + e.getMessage(), e);
    }
    return "dir-sha256:" + DataSnapshot.of(files).id();
  }

  /** For messages and logs: the directory, or the snapshot and its store (credentials masked). */
  @Override
  public String toString() {
    return fromStore() ? "snapshot " + snapshotId + " in " + Redaction.redact(store) : directory;
  }
}
