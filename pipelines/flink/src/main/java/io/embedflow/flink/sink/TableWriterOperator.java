package io.embedflow.flink.sink;

import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.flink.embed.EmbeddedRow;
import java.nio.file.Path;

/** Writes one subtask's vectors into a table part file. */
public final class TableWriterOperator extends PartWriterOperator<EmbeddedRow, EmbeddingTableWriter> {
    private static final long serialVersionUID = 1L;

    private final IdType idType;
    private transient long truncated;
    private transient int dimension;

    /** @param output the table's location: a directory or {@code s3://bucket/prefix/} */
    public TableWriterOperator(String output, String runId, IdType idType) {
        super(output, runId, PartKind.DATA);
        this.idType = idType;
    }

    @Override
    EmbeddingTableWriter open(Path file, EmbeddedRow first) {
        dimension = first.vector.length;
        return new EmbeddingTableWriter(file, idType, dimension);
    }

    @Override
    void write(EmbeddingTableWriter writer, EmbeddedRow row) {
        writer.write(row.idLong, row.idString, row.vector, row.contentHash, row.truncated);
        if (row.truncated) {
            truncated++;
        }
    }

    @Override
    PartFile describe(String path, long rows, long sizeBytes) {
        return new PartFile(PartFile.DATA, path, rows, sizeBytes, truncated, dimension);
    }
}
