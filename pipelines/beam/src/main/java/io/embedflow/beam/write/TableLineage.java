package io.embedflow.beam.write;

import io.embedflow.connectors.shard.IdType;
import java.io.Serializable;

/**
 * What the manifest says about where the rows came from.
 *
 * @param modelRef the model's name and version in the registry, or null
 * @param plannedRows the input's row count, which embedded plus rejected rows must equal; -1 when unknown
 */
record TableLineage(String runId, String modelSnapshotId, String modelRef, String dataSnapshotId, IdType idType,
        long plannedRows) implements Serializable {}
