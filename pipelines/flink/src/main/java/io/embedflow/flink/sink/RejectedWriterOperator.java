package io.embedflow.flink.sink;

import io.embedflow.connectors.parquet.RejectedRowWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.flink.embed.RejectedRecord;
import java.nio.file.Path;
import java.util.List;

/** Writes one subtask's rejected rows, with their reasons, into a {@code _rejected/} part file of the table. */
public final class RejectedWriterOperator extends PartWriterOperator<RejectedRecord, RejectedRowWriter> {
    private static final long serialVersionUID = 1L;

    private final IdType idType;
    private final List<String> files;

    /**
     * @param output the table's location: a directory or {@code s3://bucket/prefix/}
     * @param files the dataset's files by index, as the rejected rows name them
     */
    public RejectedWriterOperator(String output, String runId, IdType idType, List<String> files) {
        super(output, runId, PartKind.REJECTED);
        this.idType = idType;
        this.files = List.copyOf(files);
    }

    @Override
    RejectedRowWriter open(Path file, RejectedRecord first) {
        return new RejectedRowWriter(file, idType);
    }

    @Override
    void write(RejectedRowWriter writer, RejectedRecord r) {
        writer.write(r.idLong, r.idString, files.get(r.fileIndex), r.rowInFile, r.reason, r.text);
    }
}
