package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One evaluated query: the corpus ids a retrieval returned for it, best first, and the corpus ids
 * labelled relevant to it (binary relevance).
 *
 * <p>Refused at construction, naming the query: a blank query id, no relevant ids (recall and nDCG
 * would be 0/0; see {@link RankingMetrics}), a null id, and a corpus id ranked twice (it would be
 * counted twice).
 *
 * @param ranked retrieved corpus ids, best first; may be shorter than the largest k, even empty
 * @param relevant the relevant corpus ids; at least one
 */
public record QueryRanking(String queryId, List<String> ranked, Set<String> relevant) {

    public QueryRanking {
        if (queryId == null || queryId.isBlank()) {
            throw new OrchestratorException("a query needs an id, got '" + queryId + "'");
        }
        if (ranked == null || ranked.stream().anyMatch(Objects::isNull)) {
            throw new OrchestratorException("query " + queryId + " needs a ranked list of corpus ids without nulls");
        }
        if (relevant == null || relevant.isEmpty()) {
            throw new OrchestratorException("query " + queryId + " has no relevant corpus ids: every evaluated query "
                    + "needs at least one labelled (query, relevant id) pair");
        }
        if (relevant.stream().anyMatch(Objects::isNull)) {
            throw new OrchestratorException("query " + queryId + " has a null relevant corpus id");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < ranked.size(); i++) {
            Integer earlier = seen.putIfAbsent(ranked.get(i), i + 1);
            if (earlier != null) {
                throw new OrchestratorException("query " + queryId + " ranks corpus id " + ranked.get(i) + " twice (ranks "
                        + earlier + " and " + (i + 1) + ")");
            }
        }
        ranked = List.copyOf(ranked);
        relevant = Set.copyOf(relevant);
    }

    /**
     * Pairs each labelled query with its ranked list, ordered by query id, so that two models'
     * evaluations on the same labels line up query by query (as {@link PairedBootstrap} needs).
     *
     * @param relevantByQuery the labelled set: query id to its relevant corpus ids
     * @param rankedByQuery a retrieval's result: query id to the corpus ids it returned, best first
     * @throws OrchestratorException naming queries that are labelled but have no ranked list, or have a
     *     ranked list but no labels: both mean the retrieval did not run on this labelled set
     */
    public static List<QueryRanking> join(Map<String, ? extends Collection<String>> relevantByQuery,
            Map<String, ? extends List<String>> rankedByQuery) {
        Set<String> unranked = new TreeSet<>(relevantByQuery.keySet());
        unranked.removeAll(rankedByQuery.keySet());
        if (!unranked.isEmpty()) {
            throw new OrchestratorException(unranked.size() + " labelled queries have no ranked list: " + firstFew(unranked));
        }
        Set<String> unlabelled = new TreeSet<>(rankedByQuery.keySet());
        unlabelled.removeAll(relevantByQuery.keySet());
        if (!unlabelled.isEmpty()) {
            throw new OrchestratorException(unlabelled.size() + " ranked queries have no relevance labels: "
                    + firstFew(unlabelled));
        }
        List<QueryRanking> joined = new ArrayList<>(relevantByQuery.size());
        for (String queryId : new TreeSet<>(relevantByQuery.keySet())) {
            Collection<String> relevant = relevantByQuery.get(queryId);
            joined.add(new QueryRanking(queryId, rankedByQuery.get(queryId),
                    relevant == null ? null : new HashSet<>(relevant)));
        }
        return joined;
    }

    private static String firstFew(Set<String> ids) {
        List<String> shown = ids.stream().limit(5).toList();
        return String.join(", ", shown) + (ids.size() > shown.size() ? ", ..." : "");
    }
}
