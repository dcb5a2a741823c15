package io.embedflow.orchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.eval.BootstrapResult;
import io.embedflow.orchestrator.eval.EvalRunner;
import io.embedflow.orchestrator.eval.PairedBootstrap;
import io.embedflow.orchestrator.report.ModelComparison;
import io.embedflow.orchestrator.report.Reports;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow eval}: recall, MRR and nDCG of a model version on labelled pairs and a corpus, with
 * throughput; with {@code --models A,B}, both on the same data side by side with the difference and a
 * paired bootstrap confidence interval.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on labelled pairs and a corpus; --models A,B compares two with confidence intervals.")
final class EvalCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Models models;

    static final class Models {
        @Option(names = "--model", paramLabel = "MODEL", description = "The model version or alias to evaluate.")
        String one;

        @Option(names = "--models", split = ",", paramLabel = "A,B", description = "Two models, compared (A/B).")
        List<String> two;
    }

    @Mixin
    EvalOptions options;

    @Option(names = "--resamples", defaultValue = "10000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--confidence", defaultValue = "0.95", description = "Interval confidence (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<String> refs = models.one != null ? List.of(models.one) : models.two;
        if (refs.size() > 2 || refs.isEmpty()) {
            throw new OrchestratorException("--models takes two models, A,B; got " + refs);
        }
        List<EvalRunner.Evaluation> evaluations = new ArrayList<>();
        Map<String, BootstrapResult> comparison = new LinkedHashMap<>();
        Path report;
        try (EmbedflowHome home = main.openHome(); EmbeddedFlink flink = EmbeddedFlink.start(options.parallelism)) {
            EvalRunner runner = new EvalRunner(home.metadata(), home.registry(), home.root());
            CommandReports.around(home, () -> {
                for (String ref : refs) {
                    evaluations.add(runner.evaluate(ref, options.request(), flink, options.progress(ref)));
                }
                return null;
            });
            if (evaluations.size() == 2) {
                PairedBootstrap bootstrap = PairedBootstrap.defaults().withResamples(resamples).withConfidence(confidence);
                for (String metric : evaluations.get(0).ranking().means().keySet()) {
                    comparison.put(metric, bootstrap.compare(evaluations.get(0).ranking(), evaluations.get(1).ranking(), metric));
                }
                report = writeComparison(home, ModelComparison.of(evaluations.get(0), evaluations.get(1), comparison));
            } else {
                report = Reports.path(home.root(), evaluations.get(0).run().id());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = toJson(evaluations, comparison);
            all.put("report", report == null ? null : report.toString());
            out.println(JSON.writeValueAsString(all));
        } else {
            print(out, evaluations, comparison);
            if (report != null) {
                out.printf("%s %s%n", evaluations.size() == 2 ? "comparison report" : "report", report);
            }
        }
        return 0;
    }

    /** The comparison's report, or null, with a warning, when it cannot be written: the evaluations stand without it. */
    private Path writeComparison(EmbedflowHome home, ModelComparison comparison) {
        try {
            return Reports.of(home).writeComparison(comparison);
        } catch (OrchestratorException e) {
            spec.commandLine().getErr().println("warning: the comparison report was not written: " + e.getMessage());
            return null;
        }
    }

    static Map<String, Object> toJson(List<EvalRunner.Evaluation> evaluations, Map<String, BootstrapResult> comparison) {
        List<Map<String, Object>> models = new ArrayList<>();
        for (EvalRunner.Evaluation e : evaluations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", e.model().ref());
            m.put("snapshot", e.model().snapshotId());
            m.put("run", e.run().id());
            m.put("queries", e.ranking().queries());
            m.put("metrics", e.metrics());
            m.put("corpusTable", e.corpusTable());
            m.put("predictions", e.predictions());
            models.add(m);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("models", models);
        if (!comparison.isEmpty()) {
            all.put("comparison", comparison);
        }
        return all;
    }

    private static void print(PrintWriter out, List<EvalRunner.Evaluation> evaluations, Map<String, BootstrapResult> comparison) {
        EvalRunner.Evaluation a = evaluations.get(0);
        out.printf("queries %d, corpus table %s%n", a.ranking().queries(), a.corpusTable());
        if (evaluations.size() == 1) {
            out.printf("%-14s %10s%n", "metric", a.model().ref());
            a.metrics().forEach((name, value) -> out.printf("%-14s %10.4f%n", name, value));
            out.printf("run %s%n", a.run().id());
            return;
        }
        EvalRunner.Evaluation b = evaluations.get(1);
        out.printf("%-14s %10s %10s %10s %22s  %s%n", "metric", a.model().ref(), b.model().ref(), "B - A",
                "interval", "verdict");
        for (Map.Entry<String, Double> m : a.metrics().entrySet()) {
            BootstrapResult r = comparison.get(m.getKey());
            double bValue = b.metrics().get(m.getKey());
            if (r == null) {
                out.printf("%-14s %10.4f %10.4f %10.4f %22s  %s%n", m.getKey(), m.getValue(), bValue, bValue - m.getValue(),
                        "", "(throughput: no interval)");
            } else {
                String verdict = r.containsZero() ? "no difference shown" : r.lower() > 0 ? "B better" : "B worse";
                out.printf("%-14s %10.4f %10.4f %10.4f %22s  %s%n", m.getKey(), r.baselineMean(), r.candidateMean(),
                        r.difference(), String.format("[%.4f, %.4f]", r.lower(), r.upper()), verdict);
            }
        }
        out.printf("runs %s %s; %d%% intervals from %d paired bootstrap resamples of the queries%n", a.run().id(),
                b.run().id(), Math.round((comparison.isEmpty() ? 0.95 : comparison.values().iterator().next().confidence()) * 100),
                comparison.isEmpty() ? 0 : comparison.values().iterator().next().resamples());
    }
}
