package io.embedflow.djl.train;

import io.embedflow.djl.DjlOpsException;

/**
 * One training example for contrastive fine-tuning: a query, the text that should be nearest to
 * it, and optionally a hard negative (a text that looks related but is not). The other examples'
 * positives in the same global batch serve as further negatives.
 *
 * @param hardNegative null when there is none; within one batch, either every pair has one or none has
 */
public record TrainingPair(String query, String positive, String hardNegative) {
    public TrainingPair {
        if (query == null || query.isBlank()) {
            throw new DjlOpsException("a training pair needs a non-blank query");
        }
        if (positive == null || positive.isBlank()) {
            throw new DjlOpsException("a training pair needs a non-blank positive (query: '" + abbreviate(query) + "')");
        }
        if (hardNegative != null && hardNegative.isBlank()) {
            hardNegative = null;
        }
    }

    public TrainingPair(String query, String positive) {
        this(query, positive, null);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
