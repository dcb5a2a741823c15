package io.embedflow.orchestrator.schedule;

import io.embedflow.connectors.shard.PartitionFilter;
import java.util.Optional;

/**
 * Looks at a dataset for the new-data trigger: the id of its data snapshot, without reading rows.
 * Implementations are thread-safe; calls block until the listing (and, where a store has no
 * checksums, the hashing) is done.
 */
@FunctionalInterface
public interface DatasetProbe {

    /**
     * The data snapshot id of the Parquet files of {@code dataset} whose Hive partitions pass
     * {@code where}: the id a refresh of the same dataset and filter records. Empty when no file
     * passes (or the dataset does not exist).
     *
     * @param dataset a normalized location: an absolute local directory or {@code s3://bucket/prefix}
     * @throws io.embedflow.orchestrator.OrchestratorException when the dataset cannot be listed or
     *     read; the trigger state is left as it was, so the next evaluation looks again
     */
    Optional<String> snapshotId(String dataset, PartitionFilter where);
}
