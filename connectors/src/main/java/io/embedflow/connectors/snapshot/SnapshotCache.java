package io.embedflow.connectors.snapshot;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.files.FileTrees;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.S3ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Model snapshots read from the object store the registry writes them to, as verified local
 * directories. The store's layout:
 *
 * <pre>
 * blobs/sha256/ab/abcd…      one object per distinct file content
 * snapshots/&lt;id&gt;.json        the manifest ({@link SnapshotManifest}); id = its SHA-256
 * </pre>
 *
 * A snapshot is materialised once under {@code cacheRoot/<id>/} (each blob's hash checked as it is
 * copied, the directory renamed into place whole), then every file is re-hashed on every
 * {@link #fetch}: a cached copy that changed is refused, naming the file. Processes sharing a
 * cache directory race harmlessly (same id, same content); threads of one process materialise a
 * snapshot once.
 *
 * <pre>{@code
 * try (ObjectStore store = ObjectStores.open("s3://models/embedflow", S3Settings.fromEnvironment())) {
 *   Path model = new SnapshotCache(store, Path.of("/tmp/embedflow-models")).fetch(snapshotId);
 * }
 * }</pre>
 */
public final class SnapshotCache {
  public static final String BLOBS = "blobs/sha256/";
  public static final String SNAPSHOTS = "snapshots/";

  private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
  private static final int PROBLEMS_SHOWN = 10;
  private static final int HASH_BUFFER_BYTES = 1 << 16;
  /** How many bytes are hashed between two progress reports. */
  private static final long PROGRESS_STEP_BYTES = 4L << 20;
  /** One lock per cached snapshot directory, so that the slots of one task manager copy a model once. */
  private static final ConcurrentHashMap<Path, Object> MATERIALISING = new ConcurrentHashMap<>();

  private final ObjectStore objects;
  private final Path cacheRoot;
  private final long maxBytes;

  /** A cache without a size limit. */
  public SnapshotCache(ObjectStore objects, Path cacheRoot) {
    this(objects, cacheRoot, Long.MAX_VALUE);
  }

  /**
   * A cache that evicts least recently used snapshots to stay within {@code maxBytes} ({@link CacheBudget}:
   * never one held open with {@link #open} or used within the last ten minutes).
   */
  public SnapshotCache(ObjectStore objects, Path cacheRoot, long maxBytes) {
    this.objects = Objects.requireNonNull(objects, "objects");
    this.cacheRoot = Objects.requireNonNull(cacheRoot, "cacheRoot").toAbsolutePath().normalize();
    if (maxBytes <= 0) {
      throw new ConnectorException("the snapshot cache's limit must be positive, was " + maxBytes + " bytes");
    }
    this.maxBytes = maxBytes;
  }

  /** Whether {@code id} has the form of a snapshot id (64 lowercase hex digits). */
  public static boolean isId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** The key of the blob holding the content with this hash. */
  public static String blobKey(String sha256) {
    return BLOBS + sha256.substring(0, 2) + "/" + sha256;
  }

  /** The key of snapshot {@code id}'s manifest. */
  public static String manifestKey(String id) {
    return SNAPSHOTS + id + ".json";
  }

  public Path cacheRoot() {
    return cacheRoot;
  }

  /** Where snapshot {@code id} lies once materialised. */
  public Path directory(String id) {
    return cacheRoot.resolve(id);
  }

  /**
   * The manifest of snapshot {@code id}, if the store has it; it must hash to its id.
   *
   * @throws ConnectorException when the manifest does not hash to its id or cannot be parsed
   */
  public Optional<List<SnapshotFile>> manifest(String id) {
    if (!isId(id)) {
      return Optional.empty();
    }
    String key = manifestKey(id);
    if (!objects.exists(key)) {
      return Optional.empty();
    }
    byte[] bytes = objects.readBytes(key);
    if (!SnapshotManifest.sha256Hex(bytes).equals(id)) {
      throw new ConnectorException("snapshot " + id + " is damaged: its manifest in " + objects.describe()
          + " does not hash to its id");
    }
    return Optional.of(SnapshotManifest.decode(bytes, objects.describe() + " " + key));
  }

  /**
   * Snapshot {@code id} as a verified local directory, materialised from its blobs on first use.
   *
   * @throws ConnectorException when the store has no such snapshot (naming the store), a blob is
   *     missing or does not match its hash, or the cached copy was changed (naming the file)
   */
  public Path fetch(String id) {
    List<SnapshotFile> files = manifest(id).orElseThrow(() -> new ConnectorException("snapshot " + id
        + " not found in " + objects.describe() + (isId(id) ? "" : " (a snapshot id is 64 lowercase hex digits)")));
    return fetch(id, files);
  }

  /** As {@link #fetch(String)}, for a manifest already read with {@link #manifest}. */
  public Path fetch(String id, List<SnapshotFile> files) {
    Path directory = directory(id);
    CacheBudget.pin(directory);
    try {
      synchronized (MATERIALISING.computeIfAbsent(directory, d -> new Object())) {
        if (!Files.isDirectory(directory)) {
          if (maxBytes != Long.MAX_VALUE) {
            CacheBudget.makeRoom(cacheRoot, maxBytes, files.stream().mapToLong(SnapshotFile::size).sum());
          }
          // every file was hashed as it was copied: no second pass over a copy made just now
          materialise(id, files, directory);
          CacheBudget.touch(directory);
          return directory;
        }
      }
      verify(id, files, directory);
      CacheBudget.touch(directory);
      return directory;
    } finally {
      CacheBudget.unpin(directory);
    }
  }

  /**
   * As {@link #fetch(String)}, and the snapshot stays in the cache until the result is closed: hold it while the
   * model is loaded from it.
   */
  public Held open(String id) {
    Path directory = directory(id);
    CacheBudget.pin(directory);
    try {
      return new Held(fetch(id), true);
    } catch (RuntimeException e) {
      CacheBudget.unpin(directory);
      throw e;
    }
  }

  /** A snapshot directory kept from eviction until closed (a plain model directory is never evicted). */
  public static final class Held implements AutoCloseable {
    private final Path directory;
    private boolean pinned;

    private Held(Path directory, boolean pinned) {
      this.directory = directory;
      this.pinned = pinned;
    }

    /** A directory outside any cache: nothing to keep. */
    public static Held unmanaged(Path directory) {
      return new Held(directory, false);
    }

    public Path directory() {
      return directory;
    }

    @Override
    public synchronized void close() {
      if (pinned) {
        pinned = false;
        CacheBudget.unpin(directory);
      }
    }
  }

  private void materialise(String id, List<SnapshotFile> files, Path directory) {
    Path temp = cacheRoot.resolve(".tmp-" + UUID.randomUUID());
    try {
      Files.createDirectories(temp);
      // one download per distinct content; files with the same content are copied from the first
      Map<String, Path> blobs = new LinkedHashMap<>();
      for (SnapshotFile file : files) {
        Path target = temp.resolve(file.path());
        Files.createDirectories(target.getParent());
        blobs.putIfAbsent(blobKey(file.sha256()), target);
      }
      Map<String, ParallelDownload.Written> downloaded;
      try {
        downloaded = download(blobs);
      } catch (ObjectNotFoundException e) {
        SnapshotFile file = files.stream().filter(f -> blobKey(f.sha256()).equals(e.key())).findFirst().orElseThrow(() -> e);
        throw new ConnectorException("snapshot " + id + " is damaged: the content of file '" + file.path()
            + "' (blob " + file.sha256() + ") is missing from " + objects.describe(), e);
      }
      for (SnapshotFile file : files) {
        Path target = temp.resolve(file.path());
        Path first = blobs.get(blobKey(file.sha256()));
        ParallelDownload.Written blob = downloaded.get(blobKey(file.sha256()));
        if (!first.equals(target)) {
          Files.copy(first, target);
        }
        if (blob.size() != file.size() || !blob.sha256().equals(file.sha256())) {
          throw new ConnectorException("snapshot " + id + " is damaged: file '" + file.path() + "' in "
              + objects.describe() + " does not match its hash");
        }
      }
      try {
        Files.move(temp, directory, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
          throw e;
        }
        // another process materialised it first: theirs is as good as ours
      }
    } catch (IOException e) {
      throw new ConnectorException("cannot copy snapshot " + id + " into " + cacheRoot + ": " + e.getMessage(), e);
    } finally {
      FileTrees.deleteQuietly(temp);
    }
  }

  /**
   * From S3 many ranges at once, hashed as they are written ({@link ParallelDownload}); from other stores one
   * object after the other, each hashed once written. Returns each blob key's size and SHA-256 as written.
   */
  private Map<String, ParallelDownload.Written> download(Map<String, Path> blobs) {
    if (objects instanceof S3ObjectStore s3) {
      return ParallelDownload.run(s3, blobs);
    }
    for (String key : blobs.keySet()) {
      if (!objects.exists(key)) {
        throw new ObjectNotFoundException(key, objects.describe());
      }
    }
    Map<String, ParallelDownload.Written> written = new LinkedHashMap<>();
    blobs.forEach((key, target) -> {
      objects.download(key, target);
      SnapshotFile hashed = hashFile(key.substring(key.lastIndexOf('/') + 1), target, read -> { });
      written.put(key, new ParallelDownload.Written(hashed.size(), hashed.sha256()));
    });
    return written;
  }

  /**
   * Checks that {@code directory} holds exactly {@code files}: every one present with its hash, nothing
   * else.
   *
   * @throws ConnectorException naming up to ten problems (missing, modified or extra files)
   */
  public static void verify(String id, List<SnapshotFile> files, Path directory) {
    List<String> problems = new ArrayList<>();
    Set<Path> expected = new HashSet<>();
    for (SnapshotFile file : files) {
      Path path = directory.resolve(file.path());
      expected.add(path);
      if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        problems.add("file '" + file.path() + "' is missing");
        continue;
      }
      SnapshotFile actual = hashFile(file.path(), path, read -> { });
      if (!actual.equals(file)) {
        problems.add("file '" + file.path() + "' was modified (expected sha256 " + file.sha256() + ", found "
            + actual.sha256() + ")");
      }
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !expected.contains(p))
          .map(p -> "file '" + directory.relativize(p) + "' is not part of it")
          .sorted()
          .forEach(problems::add);
    } catch (IOException e) {
      throw new ConnectorException("cannot list snapshot " + id + " in " + directory, e);
    }
    if (!problems.isEmpty()) {
      String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), PROBLEMS_SHOWN)));
      throw new ConnectorException("refusing snapshot " + id + ": " + shown
          + (problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : "")
          + " (in " + directory + ")");
    }
  }

  /**
   * Hashes {@code file} as snapshot file {@code path}, telling {@code read} the bytes read as they are,
   * in pieces of at most a few MB.
   */
  public static SnapshotFile hashFile(String path, Path file, LongConsumer read) {
    MessageDigest digest = SnapshotManifest.sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      byte[] buffer = new byte[HASH_BUFFER_BYTES];
      long size = 0;
      long unreported = 0;
      for (int n; (n = in.read(buffer)) >= 0; ) {
        size += n;
        unreported += n;
        if (unreported >= PROGRESS_STEP_BYTES) {
          read.accept(unreported);
          unreported = 0;
        }
      }
      read.accept(unreported);
      return new SnapshotFile(path, size, HexFormat.of().formatHex(digest.digest()));
    } catch (IOException e) {
      throw new ConnectorException("cannot read '" + path + "' (" + file + "): " + e.getMessage(), e);
    }
  }
}
