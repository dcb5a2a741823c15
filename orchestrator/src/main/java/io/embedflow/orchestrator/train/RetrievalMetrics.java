package io.embedflow.orchestrator.train;

import io.embedflow.djl.train.TrainingPair;
import java.util.List;
import java.util.function.Function;

/**
 * How well a model finds each held-out query's positive among all held-out positives, by cosine
 * similarity: recall@1, recall@5 and MRR@10.
 */
public record RetrievalMetrics(int queries, double recallAt1, double recallAt5, double mrrAt10) {

    /** Evaluates {@code embed} (texts to vectors, one call per list) on {@code pairs}. */
    public static RetrievalMetrics of(List<TrainingPair> pairs, Function<List<String>, float[][]> embed) {
        if (pairs.isEmpty()) {
            return new RetrievalMetrics(0, 0, 0, 0);
        }
        float[][] q = normalized(embed.apply(pairs.stream().map(TrainingPair::query).toList()));
        float[][] p = normalized(embed.apply(pairs.stream().map(TrainingPair::positive).toList()));
        int hits1 = 0;
        int hits5 = 0;
        double rr = 0;
        for (int i = 0; i < q.length; i++) {
            double own = dot(q[i], p[i]);
            int rank = 1;
            for (int j = 0; j < p.length; j++) {
                if (j != i && (dot(q[i], p[j]) > own || (dot(q[i], p[j]) == own && j < i))) {
                    rank++;
                }
            }
            hits1 += rank <= 1 ? 1 : 0;
            hits5 += rank <= 5 ? 1 : 0;
            rr += rank <= 10 ? 1.0 / rank : 0;
        }
        int n = q.length;
        return new RetrievalMetrics(n, round((double) hits1 / n), round((double) hits5 / n), round(rr / n));
    }

    private static float[][] normalized(float[][] vectors) {
        for (float[] v : vectors) {
            double norm = Math.sqrt(dot(v, v));
            if (norm > 0) {
                for (int i = 0; i < v.length; i++) {
                    v[i] /= (float) norm;
                }
            }
        }
        return vectors;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
