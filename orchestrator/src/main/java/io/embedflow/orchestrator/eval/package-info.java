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
 *   <li>{@link io.embedflow.orchestrator.eval.Gate} and {@link io.embedflow.orchestrator.eval.Gates}:
 *       conditions such as {@code recall@10 >= baseline + 0.01}, parsed and evaluated against the
 *       candidate's and the baseline's metric maps (metric names as in
 *       {@link io.embedflow.orchestrator.eval.RankingMetrics#means()}, plus throughput such as
 *       {@code rows_per_s}); the outcome, a {@link io.embedflow.orchestrator.eval.GateDecision},
 *       serializes to JSON for the alias history.</li>
 * </ul>
 */
package io.embedflow.orchestrator.eval;
