/**
 * Evaluation of embedding models on a labelled set, and the gates that decide whether a candidate
 * may take an alias. Pure logic: the retrieval jobs and the CLI call it.
 *
 * <ul>
 *   <li>{@link io.embedflow.orchestrator.eval.RankingMetrics}: recall@k, MRR@k and nDCG@k per query
 *       and as means, from {@link io.embedflow.orchestrator.eval.QueryRanking}s (a query's ranked
 *       corpus ids and its relevant ones).</li>
 *   <li>{@link io.embedflow.orchestrator.eval.PairedBootstrap}: whether a candidate's per-query
 *       metric differs from the baseline's beyond query-sampling noise (a percentile interval of
 *       the mean difference, {@link io.embedflow.orchestrator.eval.BootstrapResult}).</li>
 * </ul>
 */
package io.embedflow.orchestrator.eval;
