package io.embedflow.connectors;

/**
 * The one exception type of the connectors module. Messages name the offending file, row or column,
 * and wrap the underlying cause (usually an {@link java.io.IOException} or a Parquet decoding error).
 */
public class ConnectorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConnectorException(String message) {
    super(message);
  }

  public ConnectorException(String message, Throwable cause) {
    super(message, cause);
  }
}
