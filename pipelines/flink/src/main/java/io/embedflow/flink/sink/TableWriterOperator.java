package io.embedflow.flink.sink;

import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.flink.embed.EmbeddedRow;
import java.nio.file.Path;

/** Writes one subtask's vectors into a staged table part file. */
public final class TableWriterOperator extends PartWriterOperator<EmbeddedRow, EmbeddingTableWriter> {
    private static final long serialVersionUID = 1L;

    private final IdType idType;
    private transient long truncated;
    private transient int dimension;

    public TableWriterOperator(String tableDir, String runId, IdType idType) {
        super(tableDir, runId, PartFile.DATA, "part");
        this.idType = idType;
    }

    @Override
    EmbeddingTableWriter open(Path file, EmbeddedRow first) {
        dimension = first.vector.length;
        return new EmbeddingTableWriter(file, idType, dimension);
    }

    @Override
    void write(EmbeddingTableWriter writer, EmbeddedRow row) {
        writer.write(row.idLong, row.idString, row.vector, row.contentHash);
        if (row.truncated) {
            truncated++;
        }
    }

    @Override
    PartFile describe(String path, long rows, long sizeBytes) {
        return new PartFile(PartFile.DATA, path, rows, sizeBytes, truncated, dimension);
    }
}
