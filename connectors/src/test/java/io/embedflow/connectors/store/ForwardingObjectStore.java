package io.embedflow.connectors.store;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** An {@link ObjectStore} that hands every call to another; tests override the calls they watch or disturb. */
public class ForwardingObjectStore implements ObjectStore {
  protected final ObjectStore delegate;

  public ForwardingObjectStore(ObjectStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    return delegate.stat(key);
  }

  @Override
  public void put(String key, Path source) {
    delegate.put(key, source);
  }

  @Override
  public void putBytes(String key, byte[] data) {
    delegate.putBytes(key, data);
  }

  @Override
  public boolean putIfAbsent(String key, Path source) {
    return delegate.putIfAbsent(key, source);
  }

  @Override
  public byte[] readBytes(String key) {
    return delegate.readBytes(key);
  }

  @Override
  public InputStream open(String key) {
    return delegate.open(key);
  }

  @Override
  public void download(String key, Path target) {
    delegate.download(key, target);
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    return delegate.list(prefix);
  }

  @Override
  public void delete(String key) {
    delegate.delete(key);
  }

  /** Leaves the delegate open: its owner closes it. */
  @Override
  public void close() {}
}
