package io.embedflow.flink.sink;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import java.io.Closeable;
import java.nio.file.Path;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes one subtask's records into a part file named by subtask and attempt, so a failed
 * attempt's file is never confused with its replacement's (the committer lists only files
 * reported here, and publishing deletes the rest). The {@link TableLocation} decides where the
 * file is written and how it joins the table: in the staging directory of a local table, or in a
 * task manager's temporary directory, uploaded when finished, for a table on S3. At the end of
 * input the finished part goes to the committer as a {@link PartFile}. Subclasses open the file
 * and write one record.
 *
 * <p>The table location, and with it the S3 client, is opened once per operator instance in
 * {@link #open()} with {@link S3Settings#fromEnvironment()} of the task manager, and closed in
 * {@link #close()}.
 *
 * @param <IN> the record type
 * @param <W> the file writer
 */
abstract class PartWriterOperator<IN, W extends Closeable> extends AbstractStreamOperator<PartFile>
        implements OneInputStreamOperator<IN, PartFile>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final String location;
    private final String runId;
    private final PartKind kind;

    private transient TableLocation table;
    private transient W writer;
    private transient String name;
    private transient long rows;

    /** @param location the table's location: a directory or {@code s3://bucket/prefix/} */
    PartWriterOperator(String location, String runId, PartKind kind) {
        this.location = location;
        this.runId = runId;
        this.kind = kind;
    }

    /** Opens the file writer for the first record. */
    abstract W open(Path file, IN first);

    abstract void write(W writer, IN record);

    /** The committer's view of the finished file; rows and size are filled in. */
    PartFile describe(String path, long rows, long sizeBytes) {
        return new PartFile(kind == PartKind.DATA ? PartFile.DATA : PartFile.REJECTED, path, rows, sizeBytes, 0, 0);
    }

    @Override
    public void open() throws Exception {
        super.open();
        table = TableLocation.open(location, S3Settings.fromEnvironment(), scratchDir());
    }

    @Override
    public void processElement(StreamRecord<IN> element) {
        IN record = element.getValue();
        if (writer == null) {
            var task = getRuntimeContext().getTaskInfo();
            name = String.format("part-%05d-%d.parquet", task.getIndexOfThisSubtask(), task.getAttemptNumber());
            writer = open(table.partFile(runId, kind, name), record);
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
        TableFile part = table.stagePart(runId, kind, name, rows);
        output.collect(new StreamRecord<>(describe(part.path(), part.rows(), part.sizeBytes())));
    }

    @Override
    public void close() throws Exception {
        try {
            if (writer != null) {
                writer.close();
            }
        } finally {
            try {
                if (table != null) {
                    table.close();
                }
            } finally {
                super.close();
            }
        }
    }

    /** One of the task manager's temporary directories, spread over subtasks. */
    private Path scratchDir() {
        String[] dirs = getContainingTask().getEnvironment().getTaskManagerInfo().getTmpDirectories();
        return Path.of(dirs[getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() % dirs.length]);
    }
}
