package io.embedflow.connectors.shard;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A validated, sharded Parquet dataset, as produced by {@link ShardPlanner#plan}.
 *
 * @param root absolute path of the input directory
 * @param snapshot the data snapshot (relative paths, sizes, checksums)
 * @param files absolute paths of the data files, sorted; {@link Shard#fileIndex()} indexes this list
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
    files = List.copyOf(files);
    shards = List.copyOf(shards);
  }
}
