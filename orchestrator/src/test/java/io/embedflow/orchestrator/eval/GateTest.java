package io.embedflow.orchestrator.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GateTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ndcg@10 > 0.35                        | ndcg@10       | false | 0   | 0.35   | ndcg@10 > 0.35
            recall@10 >= baseline                 | recall@10     | true  | 1   | 0      | recall@10 >= baseline
            rows_per_s >= 0.8 * baseline          | rows_per_s    | true  | 0.8 | 0      | rows_per_s >= 0.8 * baseline
            rows_per_s>=baseline*0.8              | rows_per_s    | true  | 0.8 | 0      | rows_per_s >= 0.8 * baseline
            recall@10 >= baseline + 0.01          | recall@10     | true  | 1   | 0.01   | recall@10 >= baseline + 0.01
            mrr@10 >= baseline - 0.005            | mrr@10        | true  | 1   | -0.005 | mrr@10 >= baseline - 0.005
            queries_per_s >= 0.9 * baseline + 5   | queries_per_s | true  | 0.9 | 5      | queries_per_s >= 0.9 * baseline + 5
            queries_per_s>=0.9*baseline-1e-3      | queries_per_s | true  | 0.9 | -0.001 | queries_per_s >= 0.9 * baseline - 0.001
            recall@10 >= baseline * 1.5 + .5      | recall@10     | true  | 1.5 | 0.5    | recall@10 >= 1.5 * baseline + 0.5
            '  eval.recall_at_10  <=  baseline  ' | eval.recall_at_10 | true | 1 | 0      | eval.recall_at_10 <= baseline
            """)
    void parsesEachFormOfThreshold(String expression, String metric, boolean usesBaseline, double factor, double offset,
            String canonical) {
        Gate gate = Gate.parse(expression);

        assertThat(gate.expression()).isEqualTo(expression);
        assertThat(gate.metric()).isEqualTo(metric);
        assertThat(gate.usesBaseline()).isEqualTo(usesBaseline);
        assertThat(gate.baselineFactor()).isEqualTo(factor);
        assertThat(gate.offset()).isEqualTo(offset);
        assertThat(gate.canonical()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            >=  | AT_LEAST
            >   | MORE_THAN
            <=  | AT_MOST
            <   | LESS_THAN
            ==  | EQUAL_TO
            """)
    void parsesEachComparison(String symbol, Comparison comparison) {
        assertThat(Gate.parse("recall@10 " + symbol + " 0.5").comparison()).isEqualTo(comparison);
        assertThat(Comparison.ofSymbol(symbol)).isEqualTo(comparison);
    }

    @Test
    void computesThresholdsFromTheBaseline() {
        assertThat(Gate.parse("recall@10 >= baseline + 0.01").threshold(0.78)).isEqualTo(0.79);
        assertThat(Gate.parse("rows_per_s >= 0.8 * baseline").threshold(1200)).isEqualTo(960);
        assertThat(Gate.parse("mrr@10 >= baseline - 0.005").threshold(0.604)).isEqualTo(0.599);
        assertThat(Gate.parse("queries_per_s >= 0.9 * baseline + 5").threshold(100)).isEqualTo(95);
        // decimal arithmetic: 0.7 + 0.1 in doubles is 0.7999999999999999
        assertThat(Gate.parse("x >= baseline + 0.1").threshold(0.7)).isEqualTo(0.8);
        assertThat(Gate.parse("ndcg@10 > 0.35").threshold(123)).isEqualTo(0.35);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            recall@10 >=                     | expected a number or 'baseline' at position 12, found the end of the expression
            >= 0.5                           | expected a metric name (letters, digits, '_', '@', '.') at position 0, found '>='
            recall@10 => 0.5                 | expected a comparison (>=, >, <=, <, ==) at position 10, found '=>'
            recall@10 >= baseline baseline   | expected the end of the expression at position 22, found 'baseline'
            recall@10 = 0.5                  | expected a comparison (>=, >, <=, <, ==) at position 10, found '='
            recall@10 0.5                    | expected a comparison (>=, >, <=, <, ==) at position 10, found '0.5'
            recall@10 >= 0.5 + 0.1           | expected the end of the expression at position 17, found '+'
            recall@10 >= baseline +          | expected a number after '+' at position 23, found the end of the expression
            recall@10 >= 2 * 0.5             | expected 'baseline' at position 17, found '0.5'
            recall@10 >= baseline * baseline | expected a number after '*' at position 24, found 'baseline'
            recall@10 >= -0.5                | expected a number or 'baseline' at position 13, found '-'
            recall@10 >= basline             | expected a number or 'baseline' at position 13, found 'basline'
            recall@10 >= 0.5%                | unexpected character '%' at position 16
            baseline >= 0.5                  | expected a metric name (letters, digits, '_', '@', '.') at position 0, found 'baseline'
            recall@10 >= 1e999               | number '1e999' at position 13 is out of range
            """)
    void rejectsMalformedExpressionsNamingThemAndThePosition(String expression, String detail) {
        assertThatThrownBy(() -> Gate.parse(expression))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageStartingWith("invalid gate '" + expression + "': " + detail + "; ")
                .hasMessageContaining("such as 'recall@10 >= baseline + 0.01'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsAnEmptyExpression(String expression) {
        assertThatThrownBy(() -> Gate.parse(expression))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageStartingWith("empty gate expression");
    }

    @Test
    void rejectsAnUnknownComparisonSymbolAndInconsistentGates() {
        assertThatThrownBy(() -> Comparison.ofSymbol("=>"))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("unknown comparison '=>'");
        assertThatThrownBy(() -> new Gate("x >= 1", "x", Comparison.AT_LEAST, false, 2, 1))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("does not use the baseline");
        assertThatThrownBy(() -> new Gate("1x >= 1", "1x", Comparison.AT_LEAST, false, 0, 1))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("invalid gate metric '1x'");
    }
}
