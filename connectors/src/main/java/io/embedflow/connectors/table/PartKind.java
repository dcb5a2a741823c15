package io.embedflow.connectors.table;

/** What a part file of a table holds. */
public enum PartKind {
  /** Embeddings: listed in {@link TableManifest#files()}. */
  DATA,
  /** Rejected rows with their reasons: listed in {@link TableManifest#rejectedFiles()}, under {@value StagedTable#REJECTED_DIR}/. */
  REJECTED
}
