package io.embedflow.flink.sink;

import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.StagedTable;
import io.embedflow.flink.embed.EmbeddedRow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes one subtask's vectors into a staged part file named by subtask and attempt, so a
 * failed attempt's file is never confused with its replacement's; at the end of input it
 * sends the finished file to the committer.
 */
public final class TableWriterOperator extends AbstractStreamOperator<PartFile>
        implements OneInputStreamOperator<EmbeddedRow, PartFile>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final String tableDir;
    private final String runId;
    private final IdType idType;

    private transient EmbeddingTableWriter writer;
    private transient String relativePath;
    private transient long truncated;
    private transient int dimension;

    public TableWriterOperator(String output, String runId, IdType idType) {
        this.tableDir = output;
        this.runId = runId;
        this.idType = idType;
    }

    @Override
    public void processElement(StreamRecord<EmbeddedRow> element) {
        EmbeddedRow row = element.getValue();
        if (writer == null) {
            var task = getRuntimeContext().getTaskInfo();
            relativePath = String.format("part-%05d-%d.parquet", task.getIndexOfThisSubtask(), task.getAttemptNumber());
            Path staging = StagedTable.open(Path.of(tableDir), runId).stagingDir();
            dimension = row.vector.length;
            writer = new EmbeddingTableWriter(staging.resolve(relativePath), idType, dimension);
        }
        writer.write(row.idLong, row.idString, row.vector, row.contentHash);
        if (row.truncated) {
            truncated++;
        }
    }

    @Override
    public void endInput() throws Exception {
        if (writer == null) {
            return;
        }
        writer.close();
        Path file = StagedTable.open(Path.of(tableDir), runId).stagingDir().resolve(relativePath);
        output.collect(new StreamRecord<>(new PartFile(PartFile.DATA, relativePath, writer.rowCount(),
                Files.size(file), truncated, dimension)));
        writer = null;
    }

    @Override
    public void close() throws Exception {
        try {
            if (writer != null) {
                writer.close();
            }
        } finally {
            super.close();
        }
    }
}
