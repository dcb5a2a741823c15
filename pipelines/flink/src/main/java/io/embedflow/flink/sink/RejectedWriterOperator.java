package io.embedflow.flink.sink;

import io.embedflow.connectors.parquet.RejectedRowWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.StagedTable;
import io.embedflow.flink.embed.RejectedRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Writes one subtask's rejected rows into a staged {@code _rejected/} part file. */
public final class RejectedWriterOperator extends AbstractStreamOperator<PartFile>
        implements OneInputStreamOperator<RejectedRecord, PartFile>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final String tableDir;
    private final String runId;
    private final IdType idType;
    private final List<String> files;

    private transient RejectedRowWriter writer;
    private transient String relativePath;

    /** @param files the dataset's files by index, as the rejected rows name them */
    public RejectedWriterOperator(String output, String runId, IdType idType, List<String> files) {
        this.tableDir = output;
        this.runId = runId;
        this.idType = idType;
        this.files = List.copyOf(files);
    }

    @Override
    public void processElement(StreamRecord<RejectedRecord> element) {
        RejectedRecord r = element.getValue();
        if (writer == null) {
            var task = getRuntimeContext().getTaskInfo();
            relativePath = String.format("_rejected/part-%05d-%d.parquet", task.getIndexOfThisSubtask(), task.getAttemptNumber());
            Path staging = StagedTable.open(Path.of(tableDir), runId).stagingDir();
            writer = new RejectedRowWriter(staging.resolve(relativePath), idType);
        }
        writer.write(r.idLong, r.idString, files.get(r.fileIndex), r.rowInFile, r.reason, r.text);
    }

    @Override
    public void endInput() throws Exception {
        if (writer == null) {
            return;
        }
        writer.close();
        Path file = StagedTable.open(Path.of(tableDir), runId).stagingDir().resolve(relativePath);
        output.collect(new StreamRecord<>(new PartFile(PartFile.REJECTED, relativePath, writer.rowCount(),
                Files.size(file), 0, 0)));
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
