package io.embedflow.orchestrator.eval;

/** The ranking metrics {@link RankingMetrics} computes; each is reported at several cut-offs k. */
public enum RankingMetric {
    RECALL("recall"),
    MRR("mrr"),
    NDCG("ndcg");

    private final String prefix;

    RankingMetric(String prefix) {
        this.prefix = prefix;
    }

    /** The metric's name at cut-off {@code k}, such as {@code recall@10}: the key in metric maps and gates. */
    public String at(int k) {
        return prefix + "@" + k;
    }
}
