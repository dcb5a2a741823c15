package io.embedflow.beam.write;

import io.embedflow.beam.embed.RejectedText;
import io.embedflow.connectors.parquet.RejectedRowWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.connectors.table.TableFile;
import java.nio.file.Path;
import java.util.List;

/** Writes one bundle's rejected rows, with their reasons, into a {@code _rejected/} part file of the table. */
final class RejectedPartWriterFn extends PartWriterFn<RejectedText, RejectedRowWriter> {
    private static final long serialVersionUID = 1L;

    private final IdType idType;
    private final List<String> files;

    /** @param files the dataset's files by index, as the rejected rows name them */
    RejectedPartWriterFn(String output, String runId, IdType idType, List<String> files) {
        super(output, runId, PartKind.REJECTED);
        this.idType = idType;
        this.files = List.copyOf(files);
    }

    @Override
    RejectedRowWriter open(Path file, RejectedText first) {
        return new RejectedRowWriter(file, idType);
    }

    @Override
    void write(RejectedRowWriter writer, RejectedText r) {
        writer.write(r.idLong(), r.idString(), SourceFiles.name(files, r.fileIndex()), r.rowInFile(), r.reason(), r.text());
    }

    @Override
    PartDescriptor describe(TableFile part) {
        return new PartDescriptor(PartKind.REJECTED, part.path(), part.rows(), part.sizeBytes(), 0, 0);
    }
}
