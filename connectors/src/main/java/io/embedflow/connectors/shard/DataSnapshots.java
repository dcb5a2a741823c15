package io.embedflow.connectors.shard;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.Sha256;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Data snapshots of datasets in an {@link ObjectStore}, taken from listings rather than from the bytes.
 *
 * <pre>{@code
 * DataSnapshot snapshot = DataSnapshots.ofObjects(store, "warehouse/docs/");
 * }</pre>
 */
public final class DataSnapshots {
  private static final String SUFFIX = ".parquet";
  private static final int BUFFER_BYTES = 1 << 20;

  private DataSnapshots() {}

  /**
   * The snapshot of the dataset under {@code prefix}: every {@code *.parquet} object below it, at any
   * depth, except those with a path segment (below the prefix) starting with {@code _} or {@code .},
   * the rule {@link ShardPlanner} follows. Each becomes
   * {@code DataFile(key relative to the prefix, size, "etag:" + etag)}, so no data is read and the id
   * changes whenever an object is rewritten.
   *
   * <p>{@code prefix} is read as a directory: {@code "docs"} means {@code "docs/"}, so {@code docs2/}
   * is not included. An object without an ETag ({@link io.embedflow.connectors.store.LocalObjectStore})
   * is read once and recorded with its hex SHA-256, as {@link ShardPlanner} records local files, so a
   * local dataset gets the same id both ways.
   *
   * @throws ConnectorException when there is no Parquet object under the prefix, naming the store and prefix
   */
  public static DataSnapshot ofObjects(ObjectStore store, String prefix) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(prefix, "prefix");
    String dir = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    List<DataFile> files = new ArrayList<>();
    for (ObjectInfo object : store.list(dir)) {
      String relative = object.key().substring(dir.length());
      if (!relative.endsWith(SUFFIX) || isHidden(relative)) {
        continue;
      }
      String version = object.etag() != null ? "etag:" + object.etag() : sha256(store, object.key());
      files.add(new DataFile(relative, object.size(), version));
    }
    if (files.isEmpty()) {
      throw new ConnectorException("no " + SUFFIX + " objects under '" + dir + "' in " + store.describe());
    }
    return DataSnapshot.of(files);
  }

  /**
   * The snapshot of the local directory {@code root} with the files {@link ShardPlanner} would plan
   * (the same rules, so the same id as a plan of the same files), keeping those whose Hive partitions
   * pass {@code where}; each file's SHA-256 comes from {@code fingerprints}, so an unchanged file is
   * not read again. Reads nothing else and writes nothing.
   *
   * @throws ConnectorException when the directory is missing or cannot be read
   * @return the snapshot, or empty when the directory holds no Parquet file that passes {@code where}
   */
  public static java.util.Optional<DataSnapshot> ofDirectory(java.nio.file.Path root, PartitionFilter where,
      FileFingerprints fingerprints) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(where, "where");
    Objects.requireNonNull(fingerprints, "fingerprints");
    List<DataFile> files = new ArrayList<>();
    for (java.util.Map.Entry<String, java.nio.file.Path> file : ShardPlanner.localParquetFiles(root)) {
      if (where.matches(PartitionFilter.valuesOf(file.getKey()))) {
        java.nio.file.Path path = file.getValue();
        long size;
        try {
          size = java.nio.file.Files.size(path);
        } catch (IOException e) {
          throw new ConnectorException("cannot read the size of " + path + ": " + e.getMessage(), e);
        }
        files.add(new DataFile(file.getKey(), size, fingerprints.sha256(path)));
      }
    }
    return files.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(DataSnapshot.of(files));
  }

  private static boolean isHidden(String relative) {
    for (String segment : relative.split("/")) {
      if (segment.startsWith("_") || segment.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String sha256(ObjectStore store, String key) {
    MessageDigest digest = Sha256.newDigest();
    byte[] buffer = new byte[BUFFER_BYTES];
    try (InputStream in = store.open(key)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new ConnectorException("cannot read '" + key + "' in " + store.describe() + " to compute its SHA-256: " + e, e);
    }
    return Sha256.hex(digest.digest());
  }
}
