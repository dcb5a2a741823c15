package io.embedflow.connectors.shard;

/**
 * Physical type of a dataset's id column. The embedding table keeps the input's id type.
 *
 * <ul>
 *   <li>{@link #INT32}: Parquet {@code INT32} (no annotation, or a signed integer annotation)
 *   <li>{@link #INT64}: Parquet {@code INT64} (no annotation, or a signed integer annotation)
 *   <li>{@link #STRING}: Parquet {@code BINARY} with the {@code STRING} logical type, or plain {@code BINARY}
 *       (read as UTF-8)
 * </ul>
 */
public enum IdType {
  INT32,
  INT64,
  STRING;

  /** Whether ids of this type travel in {@code idLong} (true) or {@code idString} (false). */
  public boolean isNumeric() {
    return this != STRING;
  }
}
