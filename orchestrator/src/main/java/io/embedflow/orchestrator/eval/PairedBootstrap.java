package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Paired bootstrap of the difference B − A in one per-query metric between model A (the baseline)
 * and model B (the candidate), both evaluated on the same queries in the same order.
 *
 * <p>Each resample draws n query indices uniformly with replacement and takes the mean of
 * b[i] − a[i] over them. Drawing the same index for both models is what makes it paired: how hard a
 * query is affects both models alike and cancels, so the interval reflects the spread of the
 * difference rather than that of either metric. The interval is the percentile interval of the
 * resampled means: their (1 − confidence) / 2 and (1 + confidence) / 2 quantiles, interpolated
 * linearly between order statistics (Hyndman and Fan's type 7, the default of R and NumPy).
 *
 * <p>Reading the interval, for a metric where higher is better:
 *
 * <ul>
 *   <li>it contains 0 ({@code lower <= 0 <= upper}): at this confidence the queries cannot tell B
 *       from A; the observed difference may be noise. Identical values give the interval [0, 0],
 *       which contains 0.</li>
 *   <li>{@code lower > 0}: B is better than A beyond query-sampling noise.</li>
 *   <li>{@code upper < 0}: B is worse.</li>
 * </ul>
 *
 * Only the noise of sampling queries is covered, not that of training runs or of a different
 * labelled set. The same seed, inputs and settings give the same result.
 *
 * <pre>{@code
 * BootstrapResult r = PairedBootstrap.defaults().compare(baseline, candidate, "ndcg@10");
 * if (r.lower() > 0) { ... } // improved beyond noise
 * }</pre>
 *
 * @param resamples how many resamples; at least 1 ({@value #DEFAULT_RESAMPLES} by default)
 * @param confidence coverage of the interval, strictly between 0 and 1 (0.95 by default)
 * @param seed seed of the resampling
 */
public record PairedBootstrap(int resamples, double confidence, long seed) {

    public static final int DEFAULT_RESAMPLES = 10_000;
    public static final double DEFAULT_CONFIDENCE = 0.95;
    public static final long DEFAULT_SEED = 1L;

    public PairedBootstrap {
        if (resamples < 1) {
            throw new OrchestratorException("a bootstrap needs at least 1 resample, got " + resamples);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new OrchestratorException("a bootstrap's confidence must be strictly between 0 and 1, got " + confidence);
        }
    }

    /** {@value #DEFAULT_RESAMPLES} resamples, 95% confidence, seed {@value #DEFAULT_SEED}. */
    public static PairedBootstrap defaults() {
        return new PairedBootstrap(DEFAULT_RESAMPLES, DEFAULT_CONFIDENCE, DEFAULT_SEED);
    }

    public PairedBootstrap withResamples(int resamples) {
        return new PairedBootstrap(resamples, confidence, seed);
    }

    public PairedBootstrap withConfidence(double confidence) {
        return new PairedBootstrap(resamples, confidence, seed);
    }

    public PairedBootstrap withSeed(long seed) {
        return new PairedBootstrap(resamples, confidence, seed);
    }

    /**
     * Compares {@code metric} (such as {@code ndcg@10}) of two evaluations of the same queries.
     *
     * @throws OrchestratorException if the evaluations cover different queries or lack the metric
     */
    public BootstrapResult compare(RankingMetrics baseline, RankingMetrics candidate, String metric) {
        List<String> a = baseline.queryIds();
        List<String> b = candidate.queryIds();
        if (!a.equals(b)) {
            int i = 0;
            while (i < Math.min(a.size(), b.size()) && a.get(i).equals(b.get(i))) {
                i++;
            }
            throw new OrchestratorException("cannot compare " + metric + " of evaluations on different queries: "
                    + a.size() + " vs " + b.size() + " queries, first difference at position " + i + " ("
                    + (i < a.size() ? a.get(i) : "none") + " vs " + (i < b.size() ? b.get(i) : "none") + ")");
        }
        return compare(baseline.perQuery(metric), candidate.perQuery(metric));
    }

    /**
     * Compares per-query values {@code a} (baseline) and {@code b} (candidate) of one metric; entry i
     * of both belongs to the same query.
     *
     * @throws OrchestratorException if the arrays are empty, differ in length or hold a NaN or infinity
     */
    public BootstrapResult compare(double[] a, double[] b) {
        if (a == null || b == null || a.length != b.length || a.length == 0) {
            throw new OrchestratorException("a paired bootstrap needs two equally long, non-empty arrays of per-query "
                    + "values, got " + (a == null ? "null" : a.length) + " and " + (b == null ? "null" : b.length));
        }
        int n = a.length;
        double[] differences = new double[n];
        double sumA = 0;
        double sumB = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(a[i]) || !Double.isFinite(b[i])) {
                throw new OrchestratorException("per-query value " + i + " is not a finite number: " + a[i] + " vs " + b[i]);
            }
            differences[i] = b[i] - a[i];
            sumA += a[i];
            sumB += b[i];
        }
        double[] means = resampledMeans(differences);
        Arrays.sort(means);
        double tail = (1 - confidence) / 2;
        return new BootstrapResult(n, sumA / n, sumB / n, mean(differences), quantile(means, tail),
                quantile(means, 1 - tail), confidence, resamples, seed);
    }

    private double[] resampledMeans(double[] differences) {
        int n = differences.length;
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += differences[random.nextInt(n)];
            }
            means[r] = sum / n;
        }
        return means;
    }

    /** Type 7 quantile of ascending {@code sorted}: linear between the order statistics around (n − 1)p. */
    static double quantile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int below = (int) Math.floor(h);
        int above = Math.min(below + 1, sorted.length - 1);
        double lo = sorted[below];
        double hi = sorted[above];
        // equal neighbours return exactly that value, so constant differences give an interval of width 0
        return lo == hi ? lo : lo + (h - below) * (hi - lo);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
