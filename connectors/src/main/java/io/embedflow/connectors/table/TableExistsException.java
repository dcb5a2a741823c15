package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;

/** A table, or something else, is already where a run would publish one; never worth a retry. */
public final class TableExistsException extends ConnectorException {
  private static final long serialVersionUID = 1L;

  public TableExistsException(String message) {
    super(message);
  }

  public TableExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
