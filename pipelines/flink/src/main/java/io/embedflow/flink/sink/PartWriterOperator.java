package io.embedflow.flink.sink;

import io.embedflow.connectors.table.StagedTable;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes one subtask's records into a staged part file named by subtask and attempt, so a failed
 * attempt's file is never confused with its replacement's (the committer lists only files
 * reported here, and publishing deletes the rest). At the end of input the finished file goes to
 * the committer as a {@link PartFile}. Subclasses open the file and write one record.
 *
 * @param <IN> the record type
 * @param <W> the file writer
 */
abstract class PartWriterOperator<IN, W extends Closeable> extends AbstractStreamOperator<PartFile>
        implements OneInputStreamOperator<IN, PartFile>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final String tableDir;
    private final String runId;
    private final String kind;
    private final String prefix;

    private transient W writer;
    private transient String relativePath;
    private transient long rows;

    /** @param prefix the part file's path in the table, before {@code -SUBTASK-ATTEMPT.parquet} */
    PartWriterOperator(String tableDir, String runId, String kind, String prefix) {
        this.tableDir = tableDir;
        this.runId = runId;
        this.kind = kind;
        this.prefix = prefix;
    }

    /** Opens the file writer for the first record. */
    abstract W open(Path file, IN first);

    abstract void write(W writer, IN record);

    /** The committer's view of the finished file; rows and size are filled in. */
    PartFile describe(String path, long rows, long sizeBytes) {
        return new PartFile(kind, path, rows, sizeBytes, 0, 0);
    }

    @Override
    public void processElement(StreamRecord<IN> element) {
        IN record = element.getValue();
        if (writer == null) {
            var task = getRuntimeContext().getTaskInfo();
            relativePath = String.format("%s-%05d-%d.parquet", prefix, task.getIndexOfThisSubtask(), task.getAttemptNumber());
            writer = open(stagingDir().resolve(relativePath), record);
        }
        write(writer, record);
        rows++;
    }

    @Override
    public void endInput() throws Exception {
        if (writer == null) {
            return;
        }
        writer.close();
        writer = null;
        output.collect(new StreamRecord<>(describe(relativePath, rows, Files.size(stagingDir().resolve(relativePath)))));
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

    private Path stagingDir() {
        return StagedTable.open(Path.of(tableDir), runId).stagingDir();
    }
}
