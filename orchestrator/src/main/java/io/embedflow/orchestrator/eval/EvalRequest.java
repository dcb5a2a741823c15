package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.List;
import java.util.Objects;

/**
 * What an evaluation runs on: labelled pairs (one row per query and relevant corpus id; a query
 * with several relevant ids has several rows with the same query id and text) and the corpus, a
 * dataset of texts that each model embeds itself.
 *
 * @param ks the cut-offs of recall, MRR and nDCG; the retrieval fetches the largest
 */
public record EvalRequest(
        String pairs,
        String queryIdColumn,
        String queryColumn,
        String relevantColumn,
        String corpus,
        String corpusIdColumn,
        String corpusTextColumn,
        List<Integer> ks,
        int parallelism,
        String device) {

    public EvalRequest {
        Objects.requireNonNull(pairs, "pairs");
        Objects.requireNonNull(corpus, "corpus");
        ks = List.copyOf(ks);
        if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 1)) {
            throw new OrchestratorException("--k needs at least one cut-off, each at least 1; was " + ks);
        }
    }

    /** The largest cut-off: how many hits the retrieval fetches per query. */
    public int maxK() {
        return ks.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }
}
