package io.embedflow.orchestrator.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {

    private static final PairedBootstrap BOOTSTRAP = PairedBootstrap.defaults();

    @Test
    void defaultsAreTenThousandResamplesAt95PercentWithAFixedSeed() {
        assertThat(BOOTSTRAP).isEqualTo(new PairedBootstrap(10_000, 0.95, PairedBootstrap.DEFAULT_SEED));
    }

    @Test
    void identicalValuesGiveZeroAndTheIntervalZeroZero() {
        double[] a = uniform(200, 1);

        BootstrapResult r = BOOTSTRAP.compare(a, a.clone());

        assertThat(r.difference()).isZero();
        assertThat(r.lower()).isZero();
        assertThat(r.upper()).isZero();
        assertThat(r.containsZero()).isTrue();
        assertThat(r.queries()).isEqualTo(200);
    }

    @Test
    void aConstantShiftGivesThatShiftAndAnIntervalOfWidthZero() {
        double[] a = uniform(200, 2);
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] + 0.1;
        }

        BootstrapResult r = BOOTSTRAP.compare(a, b);

        assertThat(r.difference()).isCloseTo(0.1, within(1e-12));
        assertThat(r.lower()).isCloseTo(0.1, within(1e-12));
        assertThat(r.upper()).isCloseTo(0.1, within(1e-12));
        assertThat(r.candidateMean() - r.baselineMean()).isCloseTo(0.1, within(1e-12));
        assertThat(r.containsZero()).isFalse();
    }

    @Test
    void aNoisyImprovementIsBracketedByTheIntervalWhichExcludesZero() {
        // b - a = 0.02 + e on the first half and 0.02 - e on the second: the true mean difference is 0.02
        double[] a = uniform(400, 3);
        double[] b = shiftedWithSymmetricNoise(a, 0.02, 0.05, 4);

        BootstrapResult r = BOOTSTRAP.compare(a, b);

        assertThat(r.difference()).isCloseTo(0.02, within(1e-12));
        assertThat(r.lower()).isLessThan(0.02).isGreaterThan(0);
        assertThat(r.upper()).isGreaterThan(0.02);
        assertThat(r.containsZero()).isFalse();
    }

    @Test
    void noiseWithoutAShiftGivesAnIntervalThatContainsZero() {
        double[] a = uniform(400, 5);
        double[] b = shiftedWithSymmetricNoise(a, 0, 0.05, 6);

        BootstrapResult r = BOOTSTRAP.compare(a, b);

        assertThat(r.difference()).isCloseTo(0, within(1e-12));
        assertThat(r.lower()).isNegative();
        assertThat(r.upper()).isPositive();
        assertThat(r.containsZero()).isTrue();
    }

    @Test
    void aNoisyRegressionGivesAnIntervalBelowZero() {
        double[] a = uniform(400, 7);
        double[] b = shiftedWithSymmetricNoise(a, -0.02, 0.05, 8);

        BootstrapResult r = BOOTSTRAP.compare(a, b);

        assertThat(r.upper()).isNegative();
        assertThat(r.lower()).isLessThan(r.difference());
    }

    @Test
    void theIntervalHasTheWidthOfTheStandardErrorOfTheMeanDifference() {
        // differences of exactly +-0.05, half each: standard deviation 0.05, standard error 0.05 / sqrt(400) = 0.0025,
        // so a 95% interval about 2 * 1.96 * 0.0025 = 0.0098 wide
        double[] a = new double[400];
        double[] b = new double[400];
        for (int i = 0; i < b.length; i++) {
            b[i] = i % 2 == 0 ? 0.05 : -0.05;
        }

        BootstrapResult r = BOOTSTRAP.compare(a, b);

        assertThat(r.upper() - r.lower()).isCloseTo(0.0098, within(0.001));
    }

    @Test
    void aHigherConfidenceGivesAWiderIntervalAroundTheSameDifference() {
        double[] a = uniform(300, 9);
        double[] b = shiftedWithSymmetricNoise(a, 0.01, 0.05, 10);

        BootstrapResult at90 = BOOTSTRAP.withResamples(2_000).withConfidence(0.90).compare(a, b);
        BootstrapResult at99 = BOOTSTRAP.withResamples(2_000).withConfidence(0.99).compare(a, b);

        assertThat(at99.lower()).isLessThan(at90.lower());
        assertThat(at90.lower()).isLessThan(at90.difference());
        assertThat(at90.difference()).isLessThan(at90.upper());
        assertThat(at90.upper()).isLessThan(at99.upper());
        assertThat(at99.confidence()).isEqualTo(0.99);
    }

    @Test
    void theSameSeedReproducesTheResultAndAnotherSeedMovesTheInterval() {
        double[] a = uniform(300, 11);
        double[] b = shiftedWithSymmetricNoise(a, 0.01, 0.05, 12);

        PairedBootstrap seven = BOOTSTRAP.withResamples(2_000).withSeed(7);
        BootstrapResult first = seven.compare(a, b);
        BootstrapResult again = seven.compare(a, b);
        BootstrapResult other = seven.withSeed(8).compare(a, b);

        assertThat(again).isEqualTo(first);
        assertThat(first.seed()).isEqualTo(7);
        assertThat(other.difference()).isEqualTo(first.difference());
        assertThat(other.lower()).isNotEqualTo(first.lower());
    }

    @Test
    void quantilesInterpolateLinearlyBetweenOrderStatistics() {
        double[] sorted = {1, 2, 3, 4};

        assertThat(PairedBootstrap.quantile(sorted, 0)).isEqualTo(1);
        assertThat(PairedBootstrap.quantile(sorted, 0.5)).isEqualTo(2.5);
        assertThat(PairedBootstrap.quantile(sorted, 0.25)).isEqualTo(1.75);
        assertThat(PairedBootstrap.quantile(sorted, 1)).isEqualTo(4);
        assertThat(PairedBootstrap.quantile(new double[] {5}, 0.975)).isEqualTo(5);
    }

    @Test
    void comparesOneMetricOfTwoEvaluationsOnTheSameQueries() {
        RankingMetrics baseline = RankingMetrics.evaluate(List.of(
                new QueryRanking("q1", List.of("x", "a"), Set.of("a")),
                new QueryRanking("q2", List.of("b"), Set.of("b"))), 10);
        RankingMetrics candidate = RankingMetrics.evaluate(List.of(
                new QueryRanking("q1", List.of("a", "x"), Set.of("a")),
                new QueryRanking("q2", List.of("b"), Set.of("b"))), 10);

        BootstrapResult r = BOOTSTRAP.compare(baseline, candidate, "mrr@10");

        // q1: mrr 1/2 -> 1, q2: 1 -> 1, so B - A = (0.5 + 0) / 2
        assertThat(r.difference()).isEqualTo(0.25);
        assertThat(r.baselineMean()).isEqualTo(0.75);
        assertThat(r.candidateMean()).isEqualTo(1.0);
        assertThat(r.lower()).isZero();
        assertThat(r.upper()).isEqualTo(0.5);
    }

    @Test
    void refusesEvaluationsOnDifferentQueries() {
        RankingMetrics baseline = RankingMetrics.evaluate(List.of(new QueryRanking("q1", List.of("a"), Set.of("a")),
                new QueryRanking("q2", List.of("b"), Set.of("b"))), 10);
        RankingMetrics candidate = RankingMetrics.evaluate(List.of(new QueryRanking("q1", List.of("a"), Set.of("a")),
                new QueryRanking("q3", List.of("b"), Set.of("b"))), 10);

        assertThatThrownBy(() -> BOOTSTRAP.compare(baseline, candidate, "mrr@10"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("different queries")
                .hasMessageContaining("position 1 (q2 vs q3)");
    }

    @Test
    void refusesUnpairedOrNonFiniteValuesAndBadSettings() {
        assertThatThrownBy(() -> BOOTSTRAP.compare(new double[2], new double[3]))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("got 2 and 3");
        assertThatThrownBy(() -> BOOTSTRAP.compare(new double[0], new double[0]))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> BOOTSTRAP.compare(new double[] {0, Double.NaN}, new double[2]))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("per-query value 1");
        assertThatThrownBy(() -> BOOTSTRAP.withResamples(0))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("at least 1 resample");
        assertThatThrownBy(() -> BOOTSTRAP.withConfidence(1))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("strictly between 0 and 1");
    }

    @Test
    void handlesAnEvaluationSizedSetAtTheDefaultResamples() {
        double[] a = uniform(2_000, 13);
        double[] b = shiftedWithSymmetricNoise(a, 0.005, 0.1, 14);

        BootstrapResult r = BOOTSTRAP.compare(a, b);

        assertThat(r.resamples()).isEqualTo(10_000);
        assertThat(r.lower()).isLessThan(0.005);
        assertThat(r.upper()).isGreaterThan(0.005);
    }

    private static double[] uniform(int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextDouble();
        }
        return values;
    }

    /** {@code a} plus {@code shift} plus noise up to {@code noise} that sums to 0: the first half's noise negated in the second. */
    private static double[] shiftedWithSymmetricNoise(double[] a, double shift, double noise, long seed) {
        Random random = new Random(seed);
        int half = a.length / 2;
        double[] b = new double[a.length];
        for (int i = 0; i < half; i++) {
            double e = (random.nextDouble() * 2 - 1) * noise;
            b[i] = a[i] + shift + e;
            b[half + i] = a[half + i] + shift - e;
        }
        return b;
    }
}
