package io.embedflow.connectors.snapshot;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.prefetch.ByteRange;
import io.embedflow.connectors.prefetch.FetchedRange;
import io.embedflow.connectors.prefetch.PrefetchOptions;
import io.embedflow.connectors.prefetch.S3Prefetcher;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.S3ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Downloads a snapshot's blobs from S3 as many ranged GETs at once ({@link S3Prefetcher}: 16 in flight within
 * 256 MiB), each range pinned to the ETag its object's HEAD saw, written in order into its file: a model of a
 * few large files arrives at the speed of many connections instead of one.
 */
final class ParallelDownload {
  /** Bytes per range: large enough that a GET's latency is small beside its transfer. */
  static final long RANGE_BYTES = 32L << 20;

  /** What was written for one object: its size and SHA-256 (lowercase hex). */
  record Written(long size, String sha256) {}

  private ParallelDownload() {}

  /**
   * Writes each object of {@code objects} (key → new file) into its file, in the map's order, hashing the bytes
   * as they are written.
   *
   * @return each key's content as it was written: size and SHA-256
   * @throws ObjectNotFoundException naming the first missing key, before any GET
   * @throws ConnectorException when a range cannot be fetched or a file not written
   */
  static Map<String, Written> run(S3ObjectStore store, Map<String, Path> objects) {
    return run(store, objects, RANGE_BYTES);
  }

  /** As {@link #run(S3ObjectStore, Map)} with ranges of at most {@code rangeBytes}. */
  static Map<String, Written> run(S3ObjectStore store, Map<String, Path> objects, long rangeBytes) {
    List<String> keys = new ArrayList<>(objects.keySet());
    List<Long> sizes = new ArrayList<>();
    List<ByteRange> ranges = new ArrayList<>();
    for (String key : keys) {
      ObjectInfo info = store.stat(key).orElseThrow(() -> new ObjectNotFoundException(key, store.describe()));
      sizes.add(info.size());
      for (long start = 0; start < info.size(); start += rangeBytes) {
        ranges.add(new ByteRange(store.root().bucket(), store.s3Key(key), start, Math.min(rangeBytes, info.size() - start),
            Optional.ofNullable(info.etag())));
      }
    }
    // the store's client retries by itself: one attempt per part here, or attempts would multiply
    PrefetchOptions options = PrefetchOptions.defaults().withMaxAttempts(1);
    Map<String, Written> written = new LinkedHashMap<>();
    try (S3Prefetcher prefetcher = new S3Prefetcher(store.client(), ranges, options)) {
      for (int i = 0; i < keys.size(); i++) {
        Path target = objects.get(keys.get(i));
        long size = sizes.get(i);
        long bytes = 0;
        MessageDigest digest = SnapshotManifest.sha256();
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          while (bytes < size) {
            try (FetchedRange range = prefetcher.next()) {
              ByteBuffer data = range.data();
              digest.update(data.duplicate());
              bytes += data.remaining();
              while (data.hasRemaining()) {
                channel.write(data);
              }
            }
          }
        } catch (IOException e) {
          throw new ConnectorException("cannot write '" + keys.get(i) + "' of " + store.describe() + " to " + target
              + ": " + e.getMessage(), e);
        }
        written.put(keys.get(i), new Written(bytes, HexFormat.of().formatHex(digest.digest())));
      }
    }
    return written;
  }
}
