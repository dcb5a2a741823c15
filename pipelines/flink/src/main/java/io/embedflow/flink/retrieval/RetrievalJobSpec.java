package io.embedflow.flink.retrieval;

import io.embedflow.flink.refresh.RefreshJobException;
import io.embedflow.flink.refresh.RefreshJobSpec;
import io.embedflow.flink.refresh.RefreshOptions;
import java.io.Serializable;
import org.apache.flink.configuration.Configuration;

/**
 * A retrieval run, planned before any task starts: the queries as a refresh would embed them
 * ({@code queries}: dataset plan, model, output, batching), the corpus version searched, and how.
 *
 * @param k hits per query
 * @param queryBatch query vectors a subtask holds while it streams the corpus once
 * @param blockRows corpus rows scored in one matrix multiplication
 */
public record RetrievalJobSpec(RefreshJobSpec queries, CorpusTable corpus, int k, int queryBatch, int blockRows)
        implements Serializable {

    /**
     * Validates the options, plans the queries and pins the corpus's newest version.
     *
     * @throws RefreshJobException naming the option or the table that is wrong
     */
    public static RetrievalJobSpec fromConfiguration(Configuration conf) {
        String corpusLocation = RefreshOptions.require(conf, RefreshOptions.RETRIEVAL_CORPUS);
        int k = conf.get(RefreshOptions.RETRIEVAL_K);
        int queryBatch = conf.get(RefreshOptions.RETRIEVAL_QUERY_BATCH);
        int blockRows = conf.get(RefreshOptions.RETRIEVAL_BLOCK_ROWS);
        if (k < 1 || queryBatch < 1 || blockRows < 1) {
            throw new RefreshJobException("--retrieval.k, --retrieval.query-batch and --retrieval.block-rows must be at "
                    + "least 1, were " + k + ", " + queryBatch + " and " + blockRows);
        }
        CorpusTable corpus = CorpusTable.newest(corpusLocation);
        RefreshJobSpec queries = RefreshJobSpec.fromConfiguration(conf);
        if (!corpus.modelSnapshotId().equals(queries.modelSnapshotId())) {
            throw new RefreshJobException("corpus " + corpus.location() + " (version " + corpus.version()
                    + ") was embedded with model snapshot " + corpus.modelSnapshotId() + ", the queries use "
                    + queries.modelSnapshotId() + "; embed the corpus with the same model first");
        }
        return new RetrievalJobSpec(queries, corpus, k, queryBatch, blockRows);
    }
}
