package io.embedflow.orchestrator.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.OrchestratorException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GatesTest {

    private static final Map<String, Double> CANDIDATE = Map.of("recall@10", 0.8125, "mrr@10", 0.6, "ndcg@10", 0.41,
            "rows_per_s", 900.0, "queries_per_s", 96.0);
    private static final Map<String, Double> BASELINE = Map.of("recall@10", 0.78, "mrr@10", 0.604, "ndcg@10", 0.4,
            "rows_per_s", 1200.0, "queries_per_s", 100.0);

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            recall@10 >= baseline + 0.01        | true  | recall@10 0.8125 >= 0.7900 (baseline 0.7800 + 0.01): pass
            rows_per_s >= 0.8 * baseline        | false | rows_per_s 900.0000 >= 960.0000 (0.8 * baseline 1200.0000): fail
            rows_per_s >= baseline * 0.75       | true  | rows_per_s 900.0000 >= 900.0000 (0.75 * baseline 1200.0000): pass
            mrr@10 >= baseline - 0.005          | true  | mrr@10 0.6000 >= 0.5990 (baseline 0.6040 - 0.005): pass
            mrr@10 >= baseline                  | false | mrr@10 0.6000 >= 0.6040 (baseline 0.6040): fail
            queries_per_s >= 0.9 * baseline + 5 | true  | queries_per_s 96.0000 >= 95.0000 (0.9 * baseline 100.0000 + 5): pass
            queries_per_s > 0.9 * baseline - 10 | true  | queries_per_s 96.0000 > 80.0000 (0.9 * baseline 100.0000 - 10): pass
            ndcg@10 > 0.35                      | true  | ndcg@10 0.4100 > 0.3500: pass
            ndcg@10 > 0.41                      | false | ndcg@10 0.4100 > 0.4100: fail
            """)
    void evaluatesEachFormAgainstTheBaselineAndExplainsIt(String expression, boolean passed, String explanation) {
        GateResult r = Gate.parse(expression).evaluate(CANDIDATE, BASELINE);

        assertThat(r.passed()).isEqualTo(passed);
        assertThat(r.explanation()).isEqualTo(explanation);
        assertThat(r.candidate()).isEqualTo(CANDIDATE.get(r.gate().metric()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            >=  | 0.5     | true
            >=  | 0.4     | false
            >   | 0.6     | true
            >   | 0.5     | false
            <=  | 0.5     | true
            <=  | 0.6     | false
            <   | 0.4     | true
            <   | 0.5     | false
            ==  | 0.5     | true
            ==  | 0.50001 | false
            """)
    void eachComparisonPassesAndFails(String symbol, double value, boolean passed) {
        GateResult r = Gate.parse("ndcg@10 " + symbol + " baseline").evaluate(Map.of("ndcg@10", value),
                Map.of("ndcg@10", 0.5));

        assertThat(r.passed()).isEqualTo(passed);
        assertThat(r.threshold()).isEqualTo(0.5);
        assertThat(r.baseline()).isEqualTo(0.5);
    }

    @Test
    void thresholdsAreExactOnTheDecimalsAsWritten() {
        // in doubles 0.7 + 0.1 = 0.7999999999999999, and 0.8 would not equal it
        GateResult r = Gate.parse("recall@10 == baseline + 0.1").evaluate(Map.of("recall@10", 0.8),
                Map.of("recall@10", 0.7));

        assertThat(r.passed()).isTrue();
        assertThat(r.threshold()).isEqualTo(0.8);
    }

    @Test
    void theExplanationShowsAsManyDecimalsAsItTakesToSeeWhyItFailed() {
        GateResult r = Gate.parse("recall@10 >= 0.790044").evaluate(Map.of("recall@10", 0.790041), Map.of());

        assertThat(r.explanation()).isEqualTo("recall@10 0.790041 >= 0.790044: fail");
    }

    @Test
    void aGateWithoutBaselineNeedsNoBaseline() {
        GateResult r = Gate.parse("ndcg@10 > 0.35").evaluate(CANDIDATE, null);

        assertThat(r.passed()).isTrue();
        assertThat(r.baseline()).isNull();
        assertThat(r.threshold()).isEqualTo(0.35);
    }

    @Test
    void aMetricMissingFromTheCandidateIsAnErrorNamingItAndTheAvailableOnes() {
        assertThatThrownBy(() -> Gate.parse("recall@5 >= 0.5").evaluate(Map.of("recall@10", 0.8, "mrr@10", 0.6), BASELINE))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("gate 'recall@5 >= 0.5': metric recall@5 is missing from the candidate's metrics "
                        + "(available: mrr@10, recall@10)");
    }

    @Test
    void aMetricMissingFromTheBaselineIsAnErrorNamingItAndTheAvailableOnes() {
        assertThatThrownBy(() -> Gate.parse("rows_per_s >= 0.8 * baseline").evaluate(CANDIDATE, Map.of("ndcg@10", 0.4)))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("gate 'rows_per_s >= 0.8 * baseline': metric rows_per_s is missing from the baseline's "
                        + "metrics (available: ndcg@10)");
    }

    @Test
    void aBaselineGateWithoutABaselineIsAnError() {
        assertThatThrownBy(() -> Gate.parse("recall@10 >= baseline").evaluate(CANDIDATE, Map.of()))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("gate 'recall@10 >= baseline' compares with the baseline, but there is no baseline");
    }

    @Test
    void aValueThatIsNotAFiniteNumberIsAnError() {
        Map<String, Double> withNull = new HashMap<>();
        withNull.put("recall@10", null);

        assertThatThrownBy(() -> Gate.parse("recall@10 >= 0.5").evaluate(Map.of("recall@10", Double.NaN), null))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("the candidate's recall@10 is NaN, not a finite number");
        assertThatThrownBy(() -> Gate.parse("recall@10 >= baseline").evaluate(CANDIDATE, withNull))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("the baseline's recall@10 is null, not a finite number");
    }

    @Test
    void allGatesAreEvaluatedAndTheDecisionPassesOnlyIfAllPass() {
        GateDecision d = Gates.evaluate(List.of("recall@10 >= baseline + 0.01", "rows_per_s >= 0.8 * baseline",
                "ndcg@10 > 0.35"), CANDIDATE, BASELINE);

        assertThat(d.results()).extracting(GateResult::passed).containsExactly(true, false, true);
        assertThat(d.passed()).isFalse();
        assertThat(d.failures()).extracting(r -> r.gate().metric()).containsExactly("rows_per_s");

        assertThat(Gates.evaluate(List.of("recall@10 >= baseline", "ndcg@10 > 0.35"), CANDIDATE, BASELINE).passed())
                .isTrue();
    }

    @Test
    void noGatesPass() {
        GateDecision d = Gates.evaluate(List.of(), CANDIDATE, null);

        assertThat(d.passed()).isTrue();
        assertThat(d.results()).isEmpty();
    }

    @Test
    void aMalformedExpressionFailsTheWholeListNamingIt() {
        assertThatThrownBy(() -> Gates.evaluate(List.of("ndcg@10 > 0.35", "recall@10 => 0.5"), CANDIDATE, BASELINE))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("invalid gate 'recall@10 => 0.5'");
        assertThat(Gates.parseAll(List.of("ndcg@10 > 0.35", "mrr@10 >= baseline"))).extracting(Gate::metric)
                .containsExactly("ndcg@10", "mrr@10");
    }

    @Test
    void aDecisionRoundTripsThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        GateDecision d = Gates.evaluate(List.of("recall@10 >= baseline + 0.01", "ndcg@10 > 0.35"), CANDIDATE, BASELINE);

        String text = json.writeValueAsString(d);

        assertThat(text).contains("\"comparison\":\">=\"", "\"passed\":true",
                "\"explanation\":\"recall@10 0.8125 >= 0.7900 (baseline 0.7800 + 0.01): pass\"", "\"baseline\":null");
        assertThat(json.readValue(text, GateDecision.class)).isEqualTo(d);
    }

    @Test
    void aDecisionMustAgreeWithItsResults() {
        GateResult failed = Gate.parse("ndcg@10 > 0.5").evaluate(CANDIDATE, null);

        assertThatThrownBy(() -> new GateDecision(List.of(failed), true))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("no failed gates");
    }
}
