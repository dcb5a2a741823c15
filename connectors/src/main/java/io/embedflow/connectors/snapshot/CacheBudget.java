package io.embedflow.connectors.snapshot;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.files.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a snapshot cache within a byte limit, so that a long-lived worker that sees one model version after another
 * does not fill its volume (on Kubernetes an emptyDir over its size limit gets the pod evicted). Before a snapshot
 * is copied in, the least recently used snapshots go until it fits. A snapshot stays while this JVM holds it
 * ({@link #pin}: from the start of a fetch until the model is loaded) or while it was used within {@link #GRACE}
 * (another process on the same cache may be loading it). When nothing more may go, the copy proceeds over the
 * limit with a warning: failing a job would be worse.
 */
final class CacheBudget {
  /** A snapshot used this recently is never evicted: another process sharing the cache may be reading it. */
  static final Duration GRACE = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(CacheBudget.class);
  private static final ConcurrentHashMap<Path, AtomicInteger> PINS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<Path, Object> EVICTING = new ConcurrentHashMap<>();

  private CacheBudget() {}

  static void pin(Path directory) {
    PINS.computeIfAbsent(directory, d -> new AtomicInteger()).incrementAndGet();
  }

  static void unpin(Path directory) {
    PINS.computeIfPresent(directory, (d, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  static boolean pinned(Path directory) {
    AtomicInteger count = PINS.get(directory);
    return count != null && count.get() > 0;
  }

  /** Marks {@code directory} as just used (its modification time): the least recently used goes first. */
  static void touch(Path directory) {
    try {
      Files.setLastModifiedTime(directory, FileTime.from(Instant.now()));
    } catch (IOException e) {
      LOG.debug("cannot mark {} as used: {}", directory, e.toString());
    }
  }

  /**
   * Deletes the least recently used snapshot directories under {@code root} (not pinned, not used within
   * {@link #GRACE}) until {@code needed} more bytes fit within {@code maxBytes}.
   *
   * @return the names of the snapshots deleted, oldest first
   */
  static List<String> makeRoom(Path root, long maxBytes, long needed) {
    synchronized (EVICTING.computeIfAbsent(root, r -> new Object())) {
      List<Entry> entries = entries(root);
      long total = entries.stream().mapToLong(Entry::bytes).sum();
      Instant recent = Instant.now().minus(GRACE);
      List<String> evicted = new ArrayList<>();
      for (Entry entry : entries) {
        if (total + needed <= maxBytes) {
          break;
        }
        if (pinned(entry.directory()) || entry.used().isAfter(recent)) {
          continue;
        }
        if (FileTrees.deleteQuietly(entry.directory())) {
          total -= entry.bytes();
          evicted.add(entry.directory().getFileName().toString());
          LOG.info("evicted snapshot {} ({} bytes, last used {}) from the cache {} to stay within {} bytes",
              entry.directory().getFileName(), entry.bytes(), entry.used(), root, maxBytes);
        }
      }
      if (total + needed > maxBytes) {
        LOG.warn("the snapshot cache {} holds {} bytes in snapshots in use or used within {}; copying {} more bytes "
            + "goes over its limit of {} bytes", root, total, GRACE, needed, maxBytes);
      }
      return evicted;
    }
  }

  private record Entry(Path directory, long bytes, Instant used) {}

  /** The cached snapshots (not scratch directories), least recently used first. */
  private static List<Entry> entries(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.toList()) {
        String name = dir.getFileName().toString();
        if (SnapshotCache.isId(name) && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          try {
            entries.add(new Entry(dir, bytes(dir), Files.getLastModifiedTime(dir).toInstant()));
          } catch (IOException e) {
            LOG.debug("skipping {} (deleted meanwhile?): {}", dir, e.toString());
          }
        }
      }
    } catch (IOException e) {
      throw new ConnectorException("cannot list the snapshot cache " + root + ": " + e.getMessage(), e);
    }
    entries.sort(Comparator.comparing(Entry::used));
    return entries;
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      long total = 0;
      for (Path p : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        total += Files.size(p);
      }
      return total;
    }
  }
}
