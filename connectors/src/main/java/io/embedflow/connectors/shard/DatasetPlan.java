package io.embedflow.connectors.shard;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A validated, sharded Parquet dataset, as produced by {@link ShardPlanner#plan}.
 *
 * @param root the dataset: an absolute local path or {@code s3://bucket/prefix/}
 * @param snapshot the data snapshot (relative paths, sizes, checksums)
 * @param files the data files (absolute paths or {@code s3://} URIs), sorted by relative path;
 *     {@link Shard#fileIndex()} indexes this list
 * @param partitions each file's Hive-style partition values ({@code key=value} directories), by index
 * @param where the partition filter the files were chosen by
 * @param shards one shard per non-empty row group, in file order then row-group order
 * @param idColumn name of the id column
 * @param textColumn name of the text column
 * @param idType the id column's type, the same in every file
 * @param totalRows rows over all files
 */
public record DatasetPlan(
    String root,
    DataSnapshot snapshot,
    List<String> files,
    List<Map<String, String>> partitions,
    PartitionFilter where,
    List<Shard> shards,
    String idColumn,
    String textColumn,
    IdType idType,
    long totalRows)
    implements Serializable {
  public DatasetPlan {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(idColumn, "idColumn");
    Objects.requireNonNull(textColumn, "textColumn");
    Objects.requireNonNull(idType, "idType");
    Objects.requireNonNull(where, "where");
    files = List.copyOf(files);
    partitions = partitions.stream().<Map<String, String>>map(p -> java.util.Collections.unmodifiableMap(
        new java.util.LinkedHashMap<>(p))).toList();
    if (partitions.size() != files.size()) {
      throw new IllegalArgumentException(files.size() + " files but " + partitions.size() + " partition value sets");
    }
    shards = List.copyOf(shards);
  }
}
