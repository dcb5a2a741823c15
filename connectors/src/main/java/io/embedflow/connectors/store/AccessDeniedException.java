package io.embedflow.connectors.store;

/**
 * The store refused the caller: HTTP 403, an unknown access key, a bad signature, expired or missing
 * credentials, or a local permission error. Never transient: fix the credentials or the policy. The
 * message names the bucket or directory, never the credentials.
 */
public final class AccessDeniedException extends ObjectStoreException {
  private static final long serialVersionUID = 1L;

  public AccessDeniedException(String message, Throwable cause) {
    super(message, cause, false);
  }
}
