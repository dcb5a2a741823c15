package io.embedflow.orchestrator.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {

    private static final Offset<Double> EXACT = within(1e-12);

    /** log2 discounts used below: 1/log2(2) = 1, 1/log2(3) = 0.6309297536, 1/log2(4) = 0.5, 1/log2(5) = 0.4306765581. */
    private static final List<QueryRanking> THREE_QUERIES = List.of(
            // q1: its one relevant id first
            new QueryRanking("q1", List.of("a", "b", "c"), Set.of("a")),
            // q2: relevant d at rank 2 and e at rank 4
            new QueryRanking("q2", List.of("x", "d", "y", "e"), Set.of("d", "e")),
            // q3: a list shorter than every k, with no relevant id in it
            new QueryRanking("q3", List.of("z"), Set.of("f", "g", "h")));

    @Test
    void matchesHandComputedValuesOnThreeQueries() {
        RankingMetrics m = RankingMetrics.evaluate(THREE_QUERIES, 1, 3, 5);

        // recall@1: q1 1/1, q2 0/2, q3 0/3; @3: q2 finds d -> 1/2; @5: q2 finds d and e -> 2/2
        assertThat(m.perQuery("recall@1")).containsExactly(1, 0, 0);
        assertThat(m.perQuery("recall@3")).containsExactly(1, 0.5, 0);
        assertThat(m.perQuery("recall@5")).containsExactly(1, 1, 0);
        // mrr: q1 first relevant at rank 1 -> 1; q2 at rank 2 -> 1/2 once k >= 2; q3 none -> 0
        assertThat(m.perQuery("mrr@1")).containsExactly(1, 0, 0);
        assertThat(m.perQuery("mrr@3")).containsExactly(1, 0.5, 0);
        assertThat(m.perQuery("mrr@5")).containsExactly(1, 0.5, 0);
        // ndcg q1: DCG = IDCG = 1 at every k
        // ndcg q2 @1: DCG 0
        //         @3: DCG = 1/log2(3) = 0.6309297536; IDCG = 1 + 1/log2(3) = 1.6309297536 -> 0.3868528072
        //         @5: DCG = 0.6309297536 + 1/log2(5) = 1.0616063116; IDCG still over 2 ids -> 0.6509209298
        assertThat(m.perQuery("ndcg@1")).containsExactly(1, 0, 0);
        assertThat(m.perQuery("ndcg@3")).containsExactly(new double[] {1, 0.3868528072, 0}, within(1e-10));
        assertThat(m.perQuery("ndcg@5")).containsExactly(new double[] {1, 0.6509209298, 0}, within(1e-10));

        // means over the 3 queries
        Map<String, Double> means = m.means();
        assertThat(means.get("recall@1")).isCloseTo(1.0 / 3, EXACT);
        assertThat(means.get("recall@3")).isCloseTo(1.5 / 3, EXACT);
        assertThat(means.get("recall@5")).isCloseTo(2.0 / 3, EXACT);
        assertThat(means.get("mrr@1")).isCloseTo(1.0 / 3, EXACT);
        assertThat(means.get("mrr@3")).isCloseTo(0.5, EXACT);
        assertThat(means.get("mrr@5")).isCloseTo(0.5, EXACT);
        assertThat(means.get("ndcg@1")).isCloseTo(1.0 / 3, EXACT);
        assertThat(means.get("ndcg@3")).isCloseTo((1 + 0.3868528072) / 3, within(1e-10));
        assertThat(means.get("ndcg@5")).isCloseTo((1 + 0.6509209298) / 3, within(1e-10));
        assertThat(m.queries()).isEqualTo(3);
        assertThat(m.queryIds()).containsExactly("q1", "q2", "q3");
    }

    @Test
    void idealDcgCountsOnlyAsManyRelevantIdsAsFitInK() {
        // 3 relevant, p and q at ranks 1 and 2
        QueryRanking q = new QueryRanking("q", List.of("p", "q", "s"), Set.of("p", "q", "r"));

        RankingMetrics m = RankingMetrics.evaluate(List.of(q), 1, 3);

        // @1: DCG 1, IDCG over min(3, 1) = 1 id -> 1, although recall@1 is only 1/3
        assertThat(m.means()).containsEntry("ndcg@1", 1.0).containsEntry("recall@1", 1.0 / 3);
        // @3: DCG = 1 + 1/log2(3) = 1.6309297536; IDCG = 1 + 0.6309297536 + 1/log2(4) = 2.1309297536 -> 0.7653606370
        assertThat(m.means().get("ndcg@3")).isCloseTo(0.7653606370, within(1e-10));
        assertThat(m.means().get("recall@3")).isCloseTo(2.0 / 3, EXACT);
    }

    @Test
    void relevantIdsBeyondKDoNotCount() {
        QueryRanking q = new QueryRanking("q", List.of("a", "b", "c", "hit"), Set.of("hit"));

        RankingMetrics m = RankingMetrics.evaluate(List.of(q), 3, 4);

        assertThat(m.means()).containsEntry("recall@3", 0.0).containsEntry("mrr@3", 0.0).containsEntry("ndcg@3", 0.0);
        // rank 4: mrr 1/4, ndcg (1/log2(5)) / 1
        assertThat(m.means()).containsEntry("recall@4", 1.0).containsEntry("mrr@4", 0.25);
        assertThat(m.means().get("ndcg@4")).isCloseTo(0.4306765581, within(1e-10));
    }

    @Test
    void anEmptyRankedListScoresZero() {
        RankingMetrics m = RankingMetrics.evaluate(List.of(new QueryRanking("q", List.of(), Set.of("a"))), 10);

        assertThat(m.means()).containsOnly(Map.entry("recall@10", 0.0), Map.entry("mrr@10", 0.0),
                Map.entry("ndcg@10", 0.0));
    }

    @Test
    void keysAreMetricAtKGroupedByMetricWithKAscending() {
        RankingMetrics m = RankingMetrics.evaluate(THREE_QUERIES, 10, 1, 5);

        assertThat(m.ks()).containsExactly(1, 5, 10);
        assertThat(m.means().keySet()).containsExactly("recall@1", "recall@5", "recall@10", "mrr@1", "mrr@5", "mrr@10",
                "ndcg@1", "ndcg@5", "ndcg@10");
        assertThat(RankingMetric.NDCG.at(10)).isEqualTo("ndcg@10");
    }

    @Test
    void perQueryValuesAreACopyAndNamedLookupMatchesTypedLookup() {
        RankingMetrics m = RankingMetrics.evaluate(THREE_QUERIES, 3);

        m.perQuery("mrr@3")[0] = 42;

        assertThat(m.perQuery(RankingMetric.MRR, 3)).containsExactly(1, 0.5, 0);
    }

    @Test
    void anUnknownMetricIsAnErrorListingTheAvailableOnes() {
        RankingMetrics m = RankingMetrics.evaluate(THREE_QUERIES, 3);

        assertThatThrownBy(() -> m.perQuery("recall@10"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("recall@10")
                .hasMessageContaining("available: recall@3, mrr@3, ndcg@3");
    }

    @Test
    void refusesAQueryWithoutRelevantIdsNamingIt() {
        assertThatThrownBy(() -> new QueryRanking("q7", List.of("a"), Set.of()))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("query q7 has no relevant corpus ids");
    }

    @Test
    void refusesACorpusIdRankedTwice() {
        assertThatThrownBy(() -> new QueryRanking("q1", List.of("a", "b", "a"), Set.of("a")))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("query q1 ranks corpus id a twice (ranks 1 and 3)");
    }

    @Test
    void refusesNullIds() {
        assertThatThrownBy(() -> new QueryRanking("q1", java.util.Arrays.asList("a", null), Set.of("a")))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("query q1");
        assertThatThrownBy(() -> new QueryRanking(" ", List.of("a"), Set.of("a")))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("needs an id");
    }

    @Test
    void refusesARepeatedQueryNoQueriesAndBadCutoffs() {
        QueryRanking q = new QueryRanking("q1", List.of("a"), Set.of("a"));

        assertThatThrownBy(() -> RankingMetrics.evaluate(List.of(q, q), 1))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("query q1 appears more than once");
        assertThatThrownBy(() -> RankingMetrics.evaluate(List.of(), 1))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("no queries");
        assertThatThrownBy(() -> RankingMetrics.evaluate(List.of(q)))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("no cut-offs");
        assertThatThrownBy(() -> RankingMetrics.evaluate(List.of(q), 5, 0))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("k = 0");
        assertThatThrownBy(() -> RankingMetrics.evaluate(List.of(q), 5, 5))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("k = 5 is given twice");
    }

    @Test
    void joinPairsLabelsWithRankingsInQueryIdOrder() {
        Map<String, List<String>> labels = Map.of("q2", List.of("d"), "q1", List.of("a", "b"));
        Map<String, List<String>> ranked = Map.of("q1", List.of("b", "c"), "q2", List.of());

        List<QueryRanking> joined = QueryRanking.join(labels, ranked);

        assertThat(joined).containsExactly(new QueryRanking("q1", List.of("b", "c"), Set.of("a", "b")),
                new QueryRanking("q2", List.of(), Set.of("d")));
    }

    @Test
    void joinRefusesLabelledQueriesWithoutRankingAndRankingsWithoutLabels() {
        assertThatThrownBy(() -> QueryRanking.join(Map.of("q1", List.of("a"), "q2", List.of("b")),
                Map.of("q1", List.of("a"))))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("1 labelled queries have no ranked list: q2");
        assertThatThrownBy(() -> QueryRanking.join(Map.of("q1", List.of("a")),
                Map.of("q1", List.of("a"), "q9", List.of("a"))))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("1 ranked queries have no relevance labels: q9");
    }
}
