package io.embedflow.djl.embed;

/**
 * What an embedder did so far.
 *
 * @param rows texts embedded
 * @param batches model calls
 * @param tokens real tokens (special tokens included)
 * @param paddedTokens tokens the model computed, padding included (rows x longest, per batch)
 * @param forwardNanos time in the model (input tensors, forward, pooling, copy-out)
 * @param inputWaitNanos time the model thread waited for tokenized input
 * @param tokenizeNanos time spent tokenizing (on the tokenizer threads)
 */
public record EmbedStats(long rows, long batches, long tokens, long paddedTokens, long forwardNanos, long inputWaitNanos,
        long tokenizeNanos) {
    public static final EmbedStats ZERO = new EmbedStats(0, 0, 0, 0, 0, 0, 0);

    /** Real tokens over computed tokens: 1.0 means no padding at all. */
    public double batchFill() {
        return paddedTokens == 0 ? 0 : (double) tokens / paddedTokens;
    }

    public EmbedStats plus(EmbedStats o) {
        return new EmbedStats(rows + o.rows, batches + o.batches, tokens + o.tokens, paddedTokens + o.paddedTokens,
                forwardNanos + o.forwardNanos, inputWaitNanos + o.inputWaitNanos, tokenizeNanos + o.tokenizeNanos);
    }
}
