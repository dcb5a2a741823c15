package io.embedflow.beam.write;

import java.io.Serializable;

/**
 * What {@link WriteEmbeddingTable} published: the table's location and the counts of its manifest.
 *
 * @param location the table, as {@code TableLocation#describe()} names it
 */
public record CommittedTable(String location, String runId, long rowCount, long rejectedCount, long truncatedCount,
        int dimension, int files) implements Serializable {}
