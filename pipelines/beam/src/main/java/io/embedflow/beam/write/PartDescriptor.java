package io.embedflow.beam.write;

import io.embedflow.connectors.table.PartKind;
import java.io.Serializable;

/**
 * A finished part file, staged in its table location, on its way to the committer: what the Flink job's
 * {@code PartFile} says.
 *
 * @param path relative to the table, as the manifest lists it
 * @param truncated rows of the part whose text was cut to the model's maximum length (data parts)
 * @param dimension the vectors' length (data parts; 0 for rejected rows)
 */
public record PartDescriptor(PartKind kind, String path, long rows, long sizeBytes, long truncated, int dimension)
        implements Serializable {}
