package io.embedflow.orchestrator.eval;

/**
 * Outcome of a {@link PairedBootstrap}: the observed mean difference B − A over all queries and its
 * percentile confidence interval. See {@link PairedBootstrap} for how to read the interval.
 *
 * @param queries how many queries were compared
 * @param baselineMean mean of A's per-query values
 * @param candidateMean mean of B's per-query values
 * @param difference mean over queries of B − A
 * @param lower lower end of the interval
 * @param upper upper end of the interval
 * @param confidence the interval's coverage, such as 0.95
 * @param resamples how many resamples were drawn
 * @param seed the resampling seed, to reproduce the result
 */
public record BootstrapResult(int queries, double baselineMean, double candidateMean, double difference, double lower,
        double upper, double confidence, int resamples, long seed) {

    /**
     * Whether the interval contains 0: at this confidence the queries cannot tell the candidate from
     * the baseline, and the observed difference may be noise.
     */
    public boolean containsZero() {
        return lower <= 0 && upper >= 0;
    }
}
