package io.embedflow.connectors.table;

import io.embedflow.connectors.ConnectorException;
import java.util.Objects;

/** Run ids and part names become one segment of a path or key: checked here for every location. */
final class PartNames {
  private PartNames() {}

  /** Returns {@code runId} when it can be one path segment. */
  static String checkRunId(String runId) {
    Objects.requireNonNull(runId, "runId");
    if (!isSegment(runId)) {
      throw new ConnectorException("run id '" + runId + "' cannot be part of a directory name");
    }
    return runId;
  }

  /** Returns {@code name} when it can be one path segment. */
  static String check(String name) {
    Objects.requireNonNull(name, "name");
    if (!isSegment(name)) {
      throw new ConnectorException("part name '" + name + "' must be one file name, without '/' or '\\'");
    }
    return name;
  }

  private static boolean isSegment(String s) {
    if (s.isEmpty() || s.equals(".") || s.equals("..") || s.contains("/") || s.contains("\\")) {
      return false;
    }
    return s.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
  }
}
