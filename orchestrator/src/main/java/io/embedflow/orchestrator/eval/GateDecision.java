package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.List;

/**
 * The outcome of all gates of one candidate: each result, and whether all passed (true for no
 * gates). Serializes to JSON with Jackson as is, for the alias history.
 */
public record GateDecision(List<GateResult> results, boolean passed) {

    public GateDecision {
        results = List.copyOf(results);
        if (passed != results.stream().allMatch(GateResult::passed)) {
            throw new OrchestratorException("a gate decision that " + (passed ? "passed" : "failed")
                    + " must have " + (passed ? "no failed gates" : "a failed gate"));
        }
    }

    public static GateDecision of(List<GateResult> results) {
        return new GateDecision(results, results.stream().allMatch(GateResult::passed));
    }

    /** The gates that failed, in order. */
    public List<GateResult> failures() {
        return results.stream().filter(r -> !r.passed()).toList();
    }
}
