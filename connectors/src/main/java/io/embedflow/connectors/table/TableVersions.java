package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A table that changes by versions, for refreshes that keep one output location: each run writes a
 * complete table of its own under {@value #RUNS_DIR}{@code <runId>/} (with the usual
 * {@link TableLocation} guarantees), and then a version manifest {@value #VERSIONS_DIR}{@code NNNNNNNN.json}
 * makes it the table. A version manifest is a {@link TableManifest} whose files are relative to the
 * table location, so a version can list files of the runs before it (an incremental refresh keeps
 * the files whose rows did not change).
 *
 * <p>Readers take the newest version ({@link TableLocation#manifest()} does), so they always see
 * one whole version. A version is written once, with put-if-absent, numbered one past the version
 * its writer read: of two runs that race from the same version, the first commits and the second is
 * refused ({@link ConcurrentTableUpdateException}) instead of overwriting it. A location holding a
 * plain table ({@value TableManifest#FILE_NAME} at its root, as {@code embed} writes it) is version 1
 * of such a table.
 *
 * <pre>{@code
 * try (TableVersions versions = TableVersions.open("s3://bucket/tables/docs/", S3Settings.fromEnvironment())) {
 *   long next = versions.latest().map(TableVersions.Version::number).orElse(0L) + 1;
 *   String runTable = location + TableVersions.runDirectory(runId);   // the run writes its table here
 *   ...
 *   versions.commit(next, manifestWithPathsRelativeToTheLocation);
 * }
 * }</pre>
 */
public final class TableVersions implements AutoCloseable {
  /** Where version manifests go. */
  public static final String VERSIONS_DIR = "_versions/";
  /** Where each run writes its own table. */
  public static final String RUNS_DIR = "runs/";

  private static final Pattern VERSION_FILE = Pattern.compile("(\\d{8})\\.json");

  private final String location;
  private final ObjectStore store;
  private final boolean ownsStore;
  private final Path localRoot;

  private TableVersions(String location, ObjectStore store, boolean ownsStore, Path localRoot) {
    this.location = location;
    this.store = store;
    this.ownsStore = ownsStore;
    this.localRoot = localRoot;
  }

  /** The versions in the local directory {@code dir}. */
  static TableVersions local(Path dir) {
    return new TableVersions(dir.toString(), null, false, dir);
  }

  /** The versions under the root of {@code store}, which the caller keeps owning. */
  static TableVersions in(ObjectStore store) {
    return new TableVersions(store.describe(), store, false, null);
  }

  /**
   * The versions at {@code location}: a local directory (not created until a version is committed) or
   * {@code s3://bucket/prefix/}.
   */
  public static TableVersions open(String location, S3Settings settings) {
    String normalized = ObjectStores.normalize(location);
    if (ObjectStores.isS3(normalized)) {
      return new TableVersions(normalized, ObjectStores.open(normalized, settings), true, null);
    }
    return local(Path.of(normalized));
  }

  /** The directory (relative to the table location, ending in {@code /}) where run {@code runId} writes its table. */
  public static String runDirectory(String runId) {
    return RUNS_DIR + Objects.requireNonNull(runId, "runId") + "/";
  }

  /** A committed version: its number and its manifest (files relative to the table location). */
  public record Version(long number, TableManifest manifest) {}

  /** The committed version numbers, ascending; a plain table counts as version 1. */
  public List<Long> numbers() {
    List<Long> numbers = versionFileNumbers();
    if (!numbers.contains(1L) && plainManifest().isPresent()) {
      numbers.add(1L);
    }
    numbers.sort(null);
    return numbers;
  }

  /** The newest version, or empty when the location holds no table. */
  public Optional<Version> latest() {
    // one listing, then one read: readers call this for every table they open
    Optional<Long> newest = versionFileNumbers().stream().max(Long::compare);
    if (newest.isPresent()) {
      return Optional.of(read(newest.get()));
    }
    return plainManifest().map(manifest -> new Version(1, manifest));
  }

  /** The numbers of the version manifests under {@value #VERSIONS_DIR}, in no particular order. */
  private List<Long> versionFileNumbers() {
    List<Long> numbers = new ArrayList<>();
    for (String name : versionFileNames()) {
      Matcher m = VERSION_FILE.matcher(name);
      if (m.matches()) {
        numbers.add(Long.parseLong(m.group(1)));
      }
    }
    return numbers;
  }

  /**
   * Version {@code number}.
   *
   * @throws ConnectorException naming the location when there is no such version
   */
  public Version read(long number) {
    Optional<byte[]> json = readKey(fileName(number));
    if (json.isEmpty() && number == 1) {
      Optional<TableManifest> plain = plainManifest();
      if (plain.isPresent()) {
        return new Version(1, plain.get());
      }
    }
    return new Version(number, TableManifest.parse(json.orElseThrow(() -> new ConnectorException(
        "table " + location + " has no version " + number)), where(number)));
  }

  /**
   * Commits {@code manifest} as version {@code number}, which must be one past the newest.
   *
   * @throws ConcurrentTableUpdateException when that version exists already (another run committed it first);
   *     nothing is written then
   * @throws ConnectorException when a file the manifest lists is missing or has another size
   */
  public Version commit(long number, TableManifest manifest) {
    Objects.requireNonNull(manifest, "manifest");
    long newest = numbers().stream().mapToLong(Long::longValue).max().orElse(0);
    if (number != newest + 1) {
      throw new ConcurrentTableUpdateException("cannot commit version " + number + " of table " + location
          + ": its newest version is " + newest + "; the run read an older one, so its work is not the latest");
    }
    for (TableFile file : concat(manifest.files(), manifest.rejectedFiles())) {
      long size = sizeOf(file.path());
      if (size != file.sizeBytes()) {
        throw new ConnectorException("version " + number + " of table " + location + " lists " + file.path() + " with "
            + file.sizeBytes() + " bytes, but " + (size < 0 ? "it does not exist" : "it has " + size));
      }
    }
    byte[] json = manifest.toJson();
    boolean written = putIfAbsent(fileName(number), json);
    if (!written) {
      throw new ConcurrentTableUpdateException("version " + number + " of table " + location
          + " was committed by another run first (run " + read(number).manifest().runId() + ")");
    }
    return new Version(number, manifest);
  }

  /** The size of {@code key} under the location, or -1 when there is nothing there. */
  private long sizeOf(String key) {
    if (store != null) {
      return store.stat(key).map(ObjectInfo::size).orElse(-1L);
    }
    Path file = localRoot.resolve(key);
    try {
      return Files.isRegularFile(file) ? Files.size(file) : -1;
    } catch (IOException e) {
      throw new ConnectorException("cannot read the size of " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<TableFile> concat(List<TableFile> a, List<TableFile> b) {
    List<TableFile> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private List<String> versionFileNames() {
    if (store != null) {
      return store.list(VERSIONS_DIR).stream().map(ObjectInfo::key)
          .map(k -> k.substring(VERSIONS_DIR.length())).toList();
    }
    Path dir = localRoot.resolve(VERSIONS_DIR);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new ConnectorException("cannot list the versions of table " + location + ": " + e.getMessage(), e);
    }
  }

  private Optional<TableManifest> plainManifest() {
    return readKey(TableManifest.FILE_NAME).map(json -> TableManifest.parse(json, location + TableManifest.FILE_NAME));
  }

  private Optional<byte[]> readKey(String key) {
    if (store != null) {
      try {
        return Optional.of(store.readBytes(key));
      } catch (ObjectNotFoundException e) {
        return Optional.empty();
      }
    }
    Path file = localRoot.resolve(key);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConnectorException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code key} only if absent; local: a hidden temporary file linked into place (atomic, no replace). */
  private boolean putIfAbsent(String key, byte[] json) {
    if (store != null) {
      Path temp = null;
      try {
        temp = Files.createTempFile("embedflow-version", ".json");
        Files.write(temp, json);
        return store.putIfAbsent(key, temp);
      } catch (IOException e) {
        throw new ConnectorException("cannot stage version manifest " + key + ": " + e.getMessage(), e);
      } finally {
        deleteQuietly(temp);
      }
    }
    Path target = localRoot.resolve(key);
    Path temp = null;
    try {
      Files.createDirectories(target.getParent());
      temp = Files.createTempFile(target.getParent(), ".version", ".tmp");
      Files.write(temp, json);
      Files.createLink(target, temp); // fails if the target exists: the first committer wins
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new ConnectorException("cannot write version manifest " + target + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(temp);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temporary file is hidden and harmless
      }
    }
  }

  private static String fileName(long number) {
    return VERSIONS_DIR + String.format(Locale.ROOT, "%08d.json", number);
  }

  private String where(long number) {
    return location + fileName(number);
  }

  @Override
  public void close() {
    if (ownsStore) {
      store.close();
    }
  }
}
