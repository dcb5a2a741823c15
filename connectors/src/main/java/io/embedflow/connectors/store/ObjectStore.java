package io.embedflow.connectors.store;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A flat store of named byte objects: a local directory, S3, or memory in tests.
 *
 * <p><b>Keys</b> are {@code /}-separated relative names such as {@code blobs/sha256/ab/abcd…}: not
 * empty, no leading or trailing {@code /}, no empty, {@code .} or {@code ..} segment, no {@code \} and no
 * control character. An invalid key is a programming error: {@link IllegalArgumentException} naming it.
 * {@link LocalObjectStore} also reserves the top-level {@code .tmp/}, and cannot hold both {@code a} and
 * {@code a/b}, since the first is a file and the second needs a directory of the same name.
 *
 * <p><b>Writes are atomic</b>: a reader sees the whole new object, or the old one, or none; never a part.
 *
 * <p><b>Threads and blocking</b>: implementations are thread-safe, and every method blocks until done.
 *
 * <p><b>Errors</b> are {@link ObjectStoreException}s: {@link ObjectNotFoundException} for a missing key,
 * {@link AccessDeniedException} for refused or missing credentials, and
 * {@link ObjectStoreException#isTransient()} tells a retry-worthy failure from a fatal one. Messages name
 * the store and the key, never a secret.
 *
 * <p><b>Closing</b>: {@link #close()} releases what the store itself created (for S3, a client it built);
 * a store must not be used after it.
 *
 * <pre>{@code
 * try (ObjectStore store = ObjectStores.open("s3://models/snapshots", S3Settings.fromEnvironment())) {
 *   if (store.putIfAbsent("blobs/sha256/ab/abcd", file)) { ... }
 *   store.download("manifests/minilm.json", Path.of("/tmp/minilm.json"));
 * }
 * }</pre>
 */
public interface ObjectStore extends AutoCloseable {
  /** Where the store is, for messages: {@code file:/abs/root}, {@code s3://bucket/prefix}; never credentials. */
  String describe();

  /** The object's size and ETag, or empty when there is no object under {@code key}. */
  Optional<ObjectInfo> stat(String key);

  /** Whether an object is stored under {@code key}. */
  default boolean exists(String key) {
    return stat(key).isPresent();
  }

  /**
   * Stores the bytes of {@code source} under {@code key}, replacing any object there. Atomic.
   *
   * @throws ObjectStoreException when {@code source} cannot be read (the message names it) or the store fails
   */
  void put(String key, Path source);

  /** Stores {@code data} under {@code key}, replacing any object there. Atomic. */
  void putBytes(String key, byte[] data);

  /**
   * Stores {@code source} under {@code key} only if no object is there.
   *
   * <p>{@link LocalObjectStore} and {@link MemoryObjectStore} decide atomically, so of two racing callers
   * exactly one gets {@code true}. {@link S3ObjectStore} sends {@code If-None-Match: *}, which AWS S3 and
   * recent S3-compatible stores honour atomically; on a store that rejects the header it falls back to
   * check-then-put, where two racing callers may both write (the last write wins) and both get
   * {@code true}. Content-addressed keys make that race harmless.
   *
   * @return {@code true} when this call stored the object; {@code false} when an object was already
   *     there, in which case nothing was written
   */
  boolean putIfAbsent(String key, Path source);

  /**
   * The whole object in memory; for small objects (manifests, configs).
   *
   * @throws ObjectNotFoundException naming the key when there is no object under it
   */
  byte[] readBytes(String key);

  /**
   * A stream over the object's bytes; the caller closes it. Streams what it reads, so any size is fine.
   *
   * @throws ObjectNotFoundException naming the key when there is no object under it
   */
  InputStream open(String key);

  /**
   * {@code length} bytes of the object from {@code offset}, in memory. With {@code etag}, the read
   * fails unless the object still has that ETag (S3 sends {@code If-Match}), so bytes of two versions
   * are never mixed; stores without ETags ignore it. A body shorter than asked is an error.
   *
   * @throws ObjectNotFoundException naming the key when there is no object under it
   * @throws ObjectStoreException when the range goes past the end of the object, or (transient) the
   *     object changed
   */
  default byte[] readRange(String key, long offset, int length, String etag) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length reading '" + key + "': " + offset + ", " + length);
    }
    try (InputStream in = open(key)) {
      in.skipNBytes(offset);
      byte[] bytes = in.readNBytes(length);
      if (bytes.length != length) {
        throw new ObjectStoreException("'" + key + "' in " + describe() + " ends before byte " + (offset + length)
            + " (asked for " + length + " bytes at " + offset + ")", false);
      }
      return bytes;
    } catch (java.io.EOFException e) {
      throw new ObjectStoreException("'" + key + "' in " + describe() + " ends before byte " + offset, e, false);
    } catch (java.io.IOException e) {
      throw new ObjectStoreException("cannot read '" + key + "' in " + describe() + ": " + e.getMessage(), e, true);
    }
  }

  /**
   * Copies the object into the file {@code target}, replacing it. The bytes go to a hidden temporary
   * file in {@code target}'s directory (created if missing), whose length is checked against the
   * object's before it is renamed onto {@code target}; on any failure the temporary file is deleted and
   * {@code target} is left as it was.
   *
   * @throws ObjectNotFoundException naming the key when there is no object under it
   */
  void download(String key, Path target);

  /**
   * Every object whose key starts with {@code prefix} (plain string prefix: {@code "a/b"} also matches
   * {@code "a/bc"}), at any depth, sorted by key. {@code ""} lists everything. No {@code .} or {@code ..}
   * segment and no leading {@code /} in {@code prefix}.
   */
  List<ObjectInfo> list(String prefix);

  /**
   * Some object whose key starts with {@code prefix} (same rules as {@link #list}), or empty when there
   * is none: whether a prefix is empty, without listing all of it. Which object is unspecified.
   */
  default Optional<ObjectInfo> findAny(String prefix) {
    return list(prefix).stream().findFirst();
  }

  /** Removes the object under {@code key}; nothing happens when there is none. */
  void delete(String key);

  @Override
  void close();
}
