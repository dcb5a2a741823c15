package io.embedflow.orchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.eval.EvalRunner;
import io.embedflow.orchestrator.eval.GateDecision;
import io.embedflow.orchestrator.eval.GateResult;
import io.embedflow.orchestrator.eval.Gates;
import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.AliasMove;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.report.Reports;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bless NAME/N --alias ALIAS --gate EXPR ...}: evaluates the candidate and the
 * version the alias points at now on the same data, and moves the alias only if every gate passes.
 * The decision (gates, numbers, both evaluation runs) is kept in a run of kind {@code bless} and, when
 * the alias moves, in the alias history; a moved alias fires the refresh specs that follow it.
 * Exit status 3 when a gate fails (the alias stays where it was).
 */
@Command(name = "bless", mixinStandardHelpOptions = true,
        description = "Promote a model version to an alias only if it passes every gate against the alias's current version.")
final class BlessCommand implements Callable<Integer> {
    static final int REJECTED = 3;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME/N", description = "The candidate version.")
    String candidate;

    @Option(names = "--alias", required = true, description = "The alias to move, e.g. production.")
    String alias;

    @Option(names = "--gate", required = true, paramLabel = "EXPR",
            description = "A condition such as 'recall@10 >= baseline + 0.01' or 'rows_per_s >= 0.8 * baseline' (repeatable).")
    List<String> gates = new ArrayList<>();

    @Mixin
    EvalOptions options;

    @Option(names = "--json", description = "Print the decision as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Gates.parseAll(gates);   // a malformed gate fails before any evaluation
        try (EmbedflowHome home = main.openHome(); EmbeddedFlink flink = EmbeddedFlink.start(options.parallelism)) {
            Instant since = Instant.now();
            try {
                return bless(home, flink);
            } finally {
                Reports.of(home).writeEnded(since);
            }
        }
    }

    /** Evaluates both models, decides, records the decision as a run, and moves the alias if every gate passed. */
    private int bless(EmbedflowHome home, EmbeddedFlink flink) throws Exception {
        ModelVersion version = home.registry().resolve(ModelRef.parse(candidate));
        Optional<Alias> current = home.metadata().findAlias(version.name(), alias);
        EvalRunner runner = new EvalRunner(home.metadata(), home.registry(), home.root());
        EvalRunner.Evaluation candidateEval = runner.evaluate(version.ref(), options.request(), flink,
                options.progress(version.ref()));
        String baseline = current.map(a -> version.name() + "/" + a.version()).orElse(null);
        EvalRunner.Evaluation baselineEval = baseline != null
                ? runner.evaluate(baseline, options.request(), flink, options.progress(baseline))
                : null;
        GateDecision decision = Gates.evaluate(gates, candidateEval.metrics(),
                baselineEval == null ? Map.of() : baselineEval.metrics());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("decision", decision.passed() ? "promoted" : "rejected");
        details.put("gates", decision);
        details.put("candidate", Map.of("model", version.ref(), "eval", candidateEval.run().id(),
                "metrics", candidateEval.metrics()));
        if (baselineEval != null) {
            details.put("baseline", Map.of("model", baselineEval.model().ref(), "eval", baselineEval.run().id(),
                    "metrics", baselineEval.metrics()));
        }
        String detailsJson = JSON.writeValueAsString(details);
        String runId = RunIds.newId();
        RunRecord run = RunRecord.started(runId, "bless", version.ref(), version.snapshotId(), null, options.pairs,
                version.name() + "@" + alias, detailsJson, CodeVersion.current(), Instant.now());
        AliasMove move = null;
        if (decision.passed()) {
            move = home.registry().moveAlias(version.name(), alias, ModelRef.of(version.name(), version.version()),
                    current.map(Alias::version).orElse(null), "bless", "passed " + gates.size() + " gate(s); run " + runId,
                    detailsJson);
            run = run.finished(RunStatus.SUCCEEDED, 0, 0, 0, 0, Instant.now(), null);
        } else {
            run = run.finished(RunStatus.FAILED, 0, 0, 0, 0, Instant.now(), "gates failed: "
                    + String.join("; ", decision.failures().stream().map(GateResult::explanation).toList()));
        }
        home.metadata().insertRun(run);
        home.metadata().saveRunMetrics(runId, detailsJson);
        print(spec.commandLine().getOut(), version, current, decision, move, runId);
        if (!json) {
            spec.commandLine().getOut().printf("report %s%n", Reports.path(home.root(), runId));
        }
        return decision.passed() ? 0 : REJECTED;
    }

    private void print(PrintWriter out, ModelVersion version, Optional<Alias> current, GateDecision decision, AliasMove move,
            String runId) throws Exception {
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("run", runId);
            all.put("alias", version.name() + "@" + alias);
            all.put("from", current.map(Alias::version).orElse(null));
            all.put("candidate", version.ref());
            all.put("promoted", decision.passed());
            all.put("gates", decision.results());
            out.println(JSON.writeValueAsString(all));
            return;
        }
        for (GateResult r : decision.results()) {
            out.println((r.passed() ? "  pass  " : "  FAIL  ") + r.explanation());
        }
        if (move != null) {
            out.printf("promoted %s@%s: %s -> %d (run %s)%n", version.name(), alias,
                    current.map(a -> Integer.toString(a.version())).orElse("none"), version.version(), runId);
        } else {
            out.printf("not promoted: %s@%s stays at %s (run %s)%n", version.name(), alias,
                    current.map(a -> version.name() + "/" + a.version()).orElse("nothing"), runId);
        }
    }
}
