package io.embedflow.connectors.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link ObjectStore} in memory, for tests of code that uses one. Objects are immutable byte arrays
 * in a sorted concurrent map; ETags are the hex MD5 of the bytes, as S3 gives for single-part uploads.
 * It keeps everything until it is garbage-collected; {@link #close()} does nothing.
 */
public final class MemoryObjectStore implements ObjectStore {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ConcurrentNavigableMap<String, Stored> objects = new ConcurrentSkipListMap<>();
  private final String description = "memory:" + INSTANCES.incrementAndGet();

  private record Stored(byte[] bytes, String etag) {
    static Stored of(byte[] bytes) {
      return new Stored(bytes, md5(bytes));
    }
  }

  public MemoryObjectStore() {}

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Stored stored = objects.get(Keys.check(key));
    return Optional.ofNullable(stored).map(s -> new ObjectInfo(key, s.bytes().length, s.etag()));
  }

  @Override
  public void put(String key, Path source) {
    objects.put(Keys.check(key), Stored.of(readSource(key, source)));
  }

  @Override
  public void putBytes(String key, byte[] data) {
    objects.put(Keys.check(key), Stored.of(data.clone()));
  }

  @Override
  public boolean putIfAbsent(String key, Path source) {
    Keys.check(key);
    if (objects.containsKey(key)) {
      return false;
    }
    return objects.putIfAbsent(key, Stored.of(readSource(key, source))) == null;
  }

  @Override
  public byte[] readBytes(String key) {
    return get(key).bytes().clone();
  }

  @Override
  public InputStream open(String key) {
    return new ByteArrayInputStream(get(key).bytes());
  }

  @Override
  public void download(String key, Path target) {
    byte[] bytes = get(key).bytes();
    AtomicDownload.run(target, bytes.length, "'" + key + "' in " + description, channel -> {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    });
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    Keys.checkPrefix(prefix);
    List<ObjectInfo> infos = new ArrayList<>();
    for (Map.Entry<String, Stored> entry : objects.tailMap(prefix, true).entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        break;
      }
      infos.add(new ObjectInfo(entry.getKey(), entry.getValue().bytes().length, entry.getValue().etag()));
    }
    return infos;
  }

  @Override
  public void delete(String key) {
    objects.remove(Keys.check(key));
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return description;
  }

  private Stored get(String key) {
    Stored stored = objects.get(Keys.check(key));
    if (stored == null) {
      throw new ObjectNotFoundException(key, description);
    }
    return stored;
  }

  private byte[] readSource(String key, Path source) {
    try {
      return Files.readAllBytes(source);
    } catch (IOException e) {
      throw new ObjectStoreException("cannot read " + source + " to store it as '" + key + "' in " + description + ": "
          + e, e, false);
    }
  }

  private static String md5(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      // every Java platform is required to provide MD5
      throw new IllegalStateException("MD5 is not available", e);
    }
  }
}
