package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;

/** Another run committed the table version this run meant to commit; this run's work is not the newest. */
public class ConcurrentTableUpdateException extends ConnectorException {
  private static final long serialVersionUID = 1L;

  public ConcurrentTableUpdateException(String message) {
    super(message);
  }
}
