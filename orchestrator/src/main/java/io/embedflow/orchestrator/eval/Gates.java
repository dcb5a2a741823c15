package io.embedflow.orchestrator.eval;

import java.util.List;
import java.util.Map;

/**
 * Evaluates a list of gate expressions (see {@link Gate}) for a candidate against a baseline.
 *
 * <pre>{@code
 * GateDecision d = Gates.evaluate(List.of("recall@10 >= baseline + 0.01", "rows_per_s >= 0.8 * baseline"),
 *         candidateMetrics, baselineMetrics);
 * if (!d.passed()) { d.failures().forEach(r -> out.println(r.explanation())); }
 * }</pre>
 */
public final class Gates {

    private Gates() {
    }

    /**
     * Parses every expression, in order.
     *
     * @throws io.embedflow.orchestrator.OrchestratorException for the first that does not parse
     */
    public static List<Gate> parseAll(List<String> expressions) {
        return expressions.stream().map(Gate::parse).toList();
    }

    /**
     * Parses all expressions, then evaluates each; see {@link Gate#evaluate} for the maps.
     *
     * @param baseline null or empty when there is no baseline; then only gates without {@code baseline} can be evaluated
     * @throws io.embedflow.orchestrator.OrchestratorException for an expression that does not parse, or
     *     a metric missing from a map it must be read from
     */
    public static GateDecision evaluate(List<String> expressions, Map<String, Double> candidate,
            Map<String, Double> baseline) {
        return GateDecision.of(parseAll(expressions).stream().map(g -> g.evaluate(candidate, baseline)).toList());
    }
}
