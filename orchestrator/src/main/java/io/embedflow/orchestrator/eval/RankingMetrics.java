package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retrieval quality of one model on a labelled set, per query and as the mean over queries, at
 * several cut-offs k at once. For a query with relevant set R and ranked list r1, r2, ... (best
 * first):
 *
 * <ul>
 *   <li>{@code recall@k} = |R ∩ {r1..rk}| / |R|</li>
 *   <li>{@code mrr@k} = 1 / i for the smallest i ≤ k with ri in R, else 0</li>
 *   <li>{@code ndcg@k} = DCG@k / IDCG@k with DCG@k = Σ 1 / log2(i + 1) over i ≤ k with ri in R, and
 *       IDCG@k the same sum over i = 1..min(|R|, k): a ranking that puts as many relevant ids first
 *       as fit in k scores 1</li>
 * </ul>
 *
 * A ranked list shorter than k counts as if padded with non-relevant ids.
 *
 * <p>Queries without relevant ids are refused (by {@link QueryRanking}), not skipped: their recall
 * and nDCG are 0/0, and a labelled set made of (query, relevant id) pairs cannot contain one, so
 * such a query means the retrieval and the labels were joined wrongly. Skipping it silently would
 * also let two evaluations average over different queries.
 *
 * <pre>{@code
 * RankingMetrics m = RankingMetrics.evaluate(QueryRanking.join(labels, retrieved), 1, 5, 10);
 * double ndcg10 = m.means().get("ndcg@10");
 * double[] perQuery = m.perQuery(RankingMetric.NDCG, 10); // in m.queryIds() order
 * }</pre>
 */
public final class RankingMetrics {

    private final List<String> queryIds;
    private final List<Integer> ks;
    private final Map<String, double[]> perQuery;
    private final Map<String, Double> means;

    private RankingMetrics(List<String> queryIds, List<Integer> ks, Map<String, double[]> perQuery) {
        this.queryIds = queryIds;
        this.ks = ks;
        this.perQuery = perQuery;
        Map<String, Double> m = new LinkedHashMap<>();
        perQuery.forEach((name, values) -> m.put(name, mean(values)));
        this.means = Collections.unmodifiableMap(m);
    }

    /**
     * Scores every query at every cut-off in {@code ks} (each at least 1, no repeats).
     *
     * @throws OrchestratorException on no queries, a repeated query id, or bad cut-offs
     */
    public static RankingMetrics evaluate(List<QueryRanking> queries, int... ks) {
        if (queries == null || queries.isEmpty()) {
            throw new OrchestratorException("no queries to evaluate");
        }
        int[] cutoffs = validCutoffs(ks);
        int n = queries.size();
        Map<String, double[]> perQuery = new LinkedHashMap<>();
        for (RankingMetric metric : RankingMetric.values()) {
            for (int k : cutoffs) {
                perQuery.put(metric.at(k), new double[n]);
            }
        }
        Set<String> seen = new HashSet<>();
        for (int q = 0; q < n; q++) {
            QueryRanking query = queries.get(q);
            if (!seen.add(query.queryId())) {
                throw new OrchestratorException("query " + query.queryId() + " appears more than once");
            }
            for (int k : cutoffs) {
                score(query, k, q, perQuery);
            }
        }
        return new RankingMetrics(queries.stream().map(QueryRanking::queryId).toList(),
                Arrays.stream(cutoffs).boxed().toList(), Collections.unmodifiableMap(perQuery));
    }

    private static void score(QueryRanking query, int k, int q, Map<String, double[]> out) {
        int depth = Math.min(k, query.ranked().size());
        int hits = 0;
        double reciprocalRank = 0;
        double dcg = 0;
        for (int i = 0; i < depth; i++) {
            if (query.relevant().contains(query.ranked().get(i))) {
                hits++;
                dcg += discount(i + 1);
                if (reciprocalRank == 0) {
                    reciprocalRank = 1.0 / (i + 1);
                }
            }
        }
        double idealDcg = 0;
        for (int i = 1; i <= Math.min(query.relevant().size(), k); i++) {
            idealDcg += discount(i);
        }
        out.get(RankingMetric.RECALL.at(k))[q] = (double) hits / query.relevant().size();
        out.get(RankingMetric.MRR.at(k))[q] = reciprocalRank;
        out.get(RankingMetric.NDCG.at(k))[q] = dcg / idealDcg;
    }

    /** 1 / log2(rank + 1). */
    private static double discount(int rank) {
        return Math.log(2) / Math.log(rank + 1.0);
    }

    private static int[] validCutoffs(int[] ks) {
        if (ks == null || ks.length == 0) {
            throw new OrchestratorException("no cut-offs k to evaluate at");
        }
        int[] sorted = ks.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 1) {
                throw new OrchestratorException("invalid cut-off k = " + sorted[i] + ": k must be at least 1");
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new OrchestratorException("cut-off k = " + sorted[i] + " is given twice");
            }
        }
        return sorted;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** How many queries were evaluated. */
    public int queries() {
        return queryIds.size();
    }

    /** The query ids, in the order of every per-query array. */
    public List<String> queryIds() {
        return queryIds;
    }

    /** The cut-offs, ascending. */
    public List<Integer> ks() {
        return ks;
    }

    /**
     * Mean over queries of every metric, keyed {@code recall@k}, {@code mrr@k}, {@code ndcg@k}: all
     * recalls by ascending k, then all MRRs, then all nDCGs. Unmodifiable.
     */
    public Map<String, Double> means() {
        return means;
    }

    /** One value per query of {@code metric} (such as {@code ndcg@10}), in {@link #queryIds()} order; a copy. */
    public double[] perQuery(String metric) {
        double[] values = perQuery.get(metric);
        if (values == null) {
            throw new OrchestratorException("no metric " + metric + " was evaluated (available: "
                    + String.join(", ", perQuery.keySet()) + ")");
        }
        return values.clone();
    }

    /** One value per query of {@code metric} at cut-off {@code k}, in {@link #queryIds()} order; a copy. */
    public double[] perQuery(RankingMetric metric, int k) {
        return perQuery(metric.at(k));
    }

    @Override
    public String toString() {
        return "RankingMetrics" + means + " over " + queries() + " queries";
    }
}
