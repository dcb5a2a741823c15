package io.embedflow.orchestrator.report;

import io.embedflow.orchestrator.eval.BootstrapResult;
import io.embedflow.orchestrator.eval.EvalRunner;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An A/B comparison of two models' evaluations on the same data ({@code embedflow eval --models A,B}),
 * as its report shows it.
 *
 * @param a the baseline's evaluation
 * @param b the candidate's evaluation
 * @param intervals the paired bootstrap result of B − A per ranking metric (throughput has none)
 */
public record ModelComparison(Side a, Side b, int queries, String corpusTable, Map<String, BootstrapResult> intervals) {

    /** One model's side: its reference, snapshot, evaluation run and metric means. */
    public record Side(String model, String snapshotId, String runId, Map<String, Double> metrics) {
        public Side {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(runId, "runId");
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }

        public static Side of(EvalRunner.Evaluation evaluation) {
            return new Side(evaluation.model().ref(), evaluation.model().snapshotId(), evaluation.run().id(),
                    evaluation.metrics());
        }
    }

    public ModelComparison {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        intervals = Collections.unmodifiableMap(new LinkedHashMap<>(intervals));
    }

    public static ModelComparison of(EvalRunner.Evaluation a, EvalRunner.Evaluation b, Map<String, BootstrapResult> intervals) {
        return new ModelComparison(Side.of(a), Side.of(b), a.ranking().queries(), a.corpusTable(), intervals);
    }
}
