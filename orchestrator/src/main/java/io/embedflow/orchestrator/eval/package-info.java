/**
 * Evaluation of embedding models on a labelled set, and the gates that decide whether a candidate
 * may take an alias. Pure logic: the retrieval jobs and the CLI call it.
 *
 * <ul>
 *   <li>{@link io.embedflow.orchestrator.eval.RankingMetrics}: recall@k, MRR@k and nDCG@k per query
 *       and as means, from {@link io.embedflow.orchestrator.eval.QueryRanking}s (a query's ranked
 *       corpus ids and its relevant ones).</li>
 * </ul>
 */
package io.embedflow.orchestrator.eval;
