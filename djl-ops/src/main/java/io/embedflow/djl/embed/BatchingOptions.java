package io.embedflow.djl.embed;

import io.embedflow.djl.DjlOpsException;

/**
 * How rows are grouped for the model.
 *
 * @param windowRows rows buffered and sorted by length before batches are cut
 * @param maxBatchRows most rows in one batch
 * @param maxBatchTokens most padded tokens (rows x longest) in one batch
 */
public record BatchingOptions(int windowRows, int maxBatchRows, long maxBatchTokens) implements java.io.Serializable {
    /** Sized for a few CPU cores: small batches keep cache-friendly matrices. */
    public static final BatchingOptions CPU_DEFAULT = new BatchingOptions(2048, 64, 4096);

    public BatchingOptions {
        if (windowRows < 1 || maxBatchRows < 1 || maxBatchTokens < 1) {
            throw new DjlOpsException("batching options must be positive: window=" + windowRows
                    + " maxBatchRows=" + maxBatchRows + " maxBatchTokens=" + maxBatchTokens);
        }
    }
}
