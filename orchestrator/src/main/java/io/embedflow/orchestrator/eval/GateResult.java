package io.embedflow.orchestrator.eval;

/**
 * The outcome of one {@link Gate} for a candidate.
 *
 * @param candidate the candidate's value of the gate's metric
 * @param baseline the baseline's value, or null when the gate does not use the baseline
 * @param threshold the value the candidate was compared with
 * @param explanation one line for people, such as {@code recall@10 0.8125 >= 0.7900 (baseline 0.7800 + 0.01): pass}
 */
public record GateResult(Gate gate, double candidate, Double baseline, double threshold, boolean passed,
        String explanation) {
}
