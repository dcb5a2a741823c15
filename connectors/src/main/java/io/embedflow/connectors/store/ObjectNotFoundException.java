package io.embedflow.connectors.store;

import java.util.Objects;

/** There is no object under the key; never transient. */
public final class ObjectNotFoundException extends ObjectStoreException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public ObjectNotFoundException(String key, String storeDescription) {
    super("no object '" + key + "' in " + storeDescription, false);
    this.key = Objects.requireNonNull(key, "key");
  }

  public ObjectNotFoundException(String key, String storeDescription, Throwable cause) {
    super("no object '" + key + "' in " + storeDescription, cause, false);
    this.key = Objects.requireNonNull(key, "key");
  }

  /** The missing key. */
  public String key() {
    return key;
  }
}
