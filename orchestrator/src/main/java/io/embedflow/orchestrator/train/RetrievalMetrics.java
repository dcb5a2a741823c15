package io.embedflow.orchestrator.train;

import io.embedflow.djl.train.TrainingPair;
import io.embedflow.orchestrator.eval.QueryRanking;
import io.embedflow.orchestrator.eval.RankingMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * How well a model finds each held-out query's positive among all held-out positives, by cosine
 * similarity: recall@1, recall@5 and MRR@10 ({@link RankingMetrics}, ties ranked by position).
 */
public record RetrievalMetrics(int queries, double recallAt1, double recallAt5, double mrrAt10) {

    /** Evaluates {@code embed} (texts to vectors, one call per list) on {@code pairs}. */
    public static RetrievalMetrics of(List<TrainingPair> pairs, Function<List<String>, float[][]> embed) {
        if (pairs.isEmpty()) {
            return new RetrievalMetrics(0, 0, 0, 0);
        }
        float[][] q = normalized(embed.apply(pairs.stream().map(TrainingPair::query).toList()));
        float[][] p = normalized(embed.apply(pairs.stream().map(TrainingPair::positive).toList()));
        // each held-out positive is the corpus; query i's only relevant row is positive i
        List<QueryRanking> rankings = new ArrayList<>();
        for (int i = 0; i < q.length; i++) {
            double[] scores = new double[p.length];
            for (int j = 0; j < p.length; j++) {
                scores[j] = dot(q[i], p[j]);
            }
            List<String> ranked = IntStream.range(0, p.length).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(j -> -scores[j]).thenComparingInt(j -> j))
                    .limit(10).map(String::valueOf).toList();
            rankings.add(new QueryRanking(String.valueOf(i), ranked, Set.of(String.valueOf(i))));
        }
        Map<String, Double> means = RankingMetrics.evaluate(rankings, 1, 5, 10).means();
        return new RetrievalMetrics(q.length, round(means.get("recall@1")), round(means.get("recall@5")),
                round(means.get("mrr@10")));
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
