package io.embedflow.beam.write;

import io.embedflow.beam.embed.EmbeddedText;
import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.connectors.table.TableFile;
import java.nio.file.Path;

/** Writes one bundle's vectors into a table part file ({@code id, embedding, content_hash, truncated}). */
final class DataPartWriterFn extends PartWriterFn<EmbeddedText, EmbeddingTableWriter> {
    private static final long serialVersionUID = 1L;

    private final IdType idType;
    private transient long truncated;
    private transient int dimension;

    DataPartWriterFn(String output, String runId, IdType idType) {
        super(output, runId, PartKind.DATA);
        this.idType = idType;
    }

    @Override
    EmbeddingTableWriter open(Path file, EmbeddedText first) {
        truncated = 0;
        dimension = first.vector().length;
        return new EmbeddingTableWriter(file, idType, dimension);
    }

    @Override
    void write(EmbeddingTableWriter writer, EmbeddedText row) {
        writer.write(row.idLong(), row.idString(), row.vector(), row.contentHash(), row.truncated());
        if (row.truncated()) {
            truncated++;
        }
    }

    @Override
    PartDescriptor describe(TableFile part) {
        return new PartDescriptor(PartKind.DATA, part.path(), part.rows(), part.sizeBytes(), truncated, dimension);
    }
}
