package io.embedflow.flink.sink;

import io.embedflow.connectors.parquet.PredictionWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.flink.retrieval.Prediction;
import java.nio.file.Path;

/** Writes one subtask's predictions into a part file; the committer counts a query per rank-1 row. */
public final class PredictionWriterOperator extends PartWriterOperator<Prediction, PredictionWriter> {
    private static final long serialVersionUID = 1L;

    private final IdType queryIdType;
    private final IdType corpusIdType;
    private transient long queries;

    /** @param output the predictions table's location: a directory or {@code s3://bucket/prefix/} */
    public PredictionWriterOperator(String output, String runId, IdType queryIdType, IdType corpusIdType) {
        super(output, runId, PartKind.DATA);
        this.queryIdType = queryIdType;
        this.corpusIdType = corpusIdType;
    }

    @Override
    PredictionWriter open(Path file, Prediction first) {
        return new PredictionWriter(file, queryIdType, corpusIdType);
    }

    @Override
    void write(PredictionWriter writer, Prediction p) {
        writer.write(p.queryLong, p.queryString, p.rank, p.idLong, p.idString, p.score);
        if (p.rank == 1) {
            queries++;
        }
    }

    @Override
    PartFile describe(String path, long rows, long sizeBytes) {
        return new PartFile(PartFile.DATA, path, rows, sizeBytes, 0, 0, queries);
    }
}
