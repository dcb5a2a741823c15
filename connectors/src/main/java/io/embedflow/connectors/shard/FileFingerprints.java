package io.embedflow.connectors.shard;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of local files, remembered by path together with the file's size, modification time (to
 * the file system's resolution, nanoseconds on ext4 and XFS) and file key (inode), so a file is read
 * again only when one of them changed. A process that checks the same datasets over and over (the
 * scheduler's new-data trigger) then hashes each file once instead of on every check. Thread-safe.
 *
 * <p>The usual limit of such caches applies: a rewrite that keeps size, modification time and inode
 * (a tool that restores the old time) is not noticed until the cache is dropped.
 */
public final class FileFingerprints {
  private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong filesRead = new java.util.concurrent.atomic.AtomicLong();

  /** The hex SHA-256 of {@code file}, from the cache when the file has not changed since it was hashed. */
  public String sha256(Path file) {
    Path key = file.toAbsolutePath().normalize();
    BasicFileAttributes before = attributes(key);
    Entry known = entries.get(key);
    if (known != null && known.matches(before)) {
      return known.sha256;
    }
    String sha = Sha256.ofFile(key);
    filesRead.incrementAndGet();
    // a file that changed while it was read is not remembered: the next call reads it again
    if (Entry.of(before, sha).matches(attributes(key))) {
      entries.put(key, Entry.of(before, sha));
    }
    return sha;
  }

  /** How many times a file was read to hash it (cache misses). */
  public long filesRead() {
    return filesRead.get();
  }

  /** Files remembered. */
  public int size() {
    return entries.size();
  }

  private static BasicFileAttributes attributes(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class);
    } catch (IOException e) {
      throw new ConnectorException("cannot read the attributes of " + file + ": " + e.getMessage(), e);
    }
  }

  private record Entry(long size, long modifiedNanos, Object fileKey, String sha256) {
    static Entry of(BasicFileAttributes a, String sha256) {
      return new Entry(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.fileKey(),
          sha256);
    }

    boolean matches(BasicFileAttributes a) {
      return size == a.size() && modifiedNanos == a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)
          && Objects.equals(fileKey, a.fileKey());
    }
  }
}
