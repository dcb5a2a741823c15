package io.embedflow.connectors.store;

import io.embedflow.connectors.ConnectorException;

/**
 * A failed object store operation, classified for retries: {@link #isTransient()} is {@code true} for
 * failures worth retrying with backoff (HTTP 5xx, throttling, timeouts, connection failures) and
 * {@code false} for those that will fail again (missing object or bucket, refused credentials, bad
 * request, local I/O errors). The message names the store and the key, never a secret.
 */
public class ObjectStoreException extends ConnectorException {
  private static final long serialVersionUID = 1L;

  private final boolean isTransient;

  public ObjectStoreException(String message, boolean isTransient) {
    super(message);
    this.isTransient = isTransient;
  }

  public ObjectStoreException(String message, Throwable cause, boolean isTransient) {
    super(message, cause);
    this.isTransient = isTransient;
  }

  /** Whether retrying the same operation later may succeed. */
  public boolean isTransient() {
    return isTransient;
  }
}
