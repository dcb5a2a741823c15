package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.report.Reports;
import io.embedflow.orchestrator.train.RetrievalMetrics;
import io.embedflow.orchestrator.train.TrainRequest;
import io.embedflow.orchestrator.train.TrainRunner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow train}: fine-tunes a registered model on (query, positive) pairs with a gang of workers. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Fine-tune a model on (query, positive[, hard negative]) pairs with a gang of N workers x G devices; "
                + "the result becomes a new version with the alias 'candidate'.")
final class TrainCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "MODEL", description = "The model to start from, e.g. minilm@production.")
    String base;

    @Option(names = "--pairs", required = true, paramLabel = "DIR", description = "Parquet dataset of pairs.")
    String pairs;

    @Option(names = "--query-column", defaultValue = "query", description = "Default: ${DEFAULT-VALUE}.")
    String queryColumn;

    @Option(names = "--positive-column", defaultValue = "positive", description = "Default: ${DEFAULT-VALUE}.")
    String positiveColumn;

    @Option(names = "--negative-column", paramLabel = "COLUMN", description = "Hard negatives (optional).")
    String negativeColumn;

    @Option(names = "--name", description = "Register the result as a version of this model (default: the base's name).")
    String name;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N", description = "Gang members (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--devices-per-worker", defaultValue = "1", paramLabel = "G",
            description = "Devices per member sharing its batch (default: ${DEFAULT-VALUE}).")
    int devicesPerWorker;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--memory-per-worker", defaultValue = "2Gi", description = "Default: ${DEFAULT-VALUE}.")
    String memoryPerWorker;

    @Option(names = "--steps", required = true, paramLabel = "S", description = "Global steps.")
    long steps;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B",
            description = "Pairs per global step, a multiple of --workers (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-5", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--temperature", defaultValue = "0.05", description = "InfoNCE temperature (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--checkpoint-every", defaultValue = "50", paramLabel = "K",
            description = "Steps between checkpoints; 0 for none (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--held-out", defaultValue = "10", paramLabel = "PERCENT",
            description = "Pairs kept out of training for the retrieval metric (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--restart-budget", defaultValue = "2",
            description = "Whole-gang restarts after a member failed (default: ${DEFAULT-VALUE}).")
    int restartBudget;

    @Option(names = "--join-timeout", defaultValue = "PT2M",
            description = "How long members may take to meet, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration joinTimeout;

    @Option(names = "--worker-env", hidden = true, paramLabel = "KEY=VALUE", description = "Testing: worker environment.")
    Map<String, String> workerEnv = new LinkedHashMap<>();

    @Mixin
    GangTargetOptions gang = new GangTargetOptions();

    @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--no-progress", description = "Never show the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        TrainRequest request = new TrainRequest(base, pairs, queryColumn, positiveColumn, negativeColumn, name, workers,
                devicesPerWorker, device, memoryPerWorker, steps, batch, learningRate, temperature, checkpointEvery, heldOut,
                restartBudget, joinTimeout, workerEnv);
        try (EmbedflowHome home = main.openHome()) {
            TrainRunner.Launchers launchers = gang.launchers(spec.commandLine(), home.root());
            TrainRunner.Outcome outcome = CommandReports.around(home, () -> new TrainRunner(home.metadata(), home.registry(),
                    home.root(), home.storeLocation(), launchers).run(request, progress(this.progress, noProgress)));
            print(spec.commandLine().getOut(), outcome);
            spec.commandLine().getOut().printf("report     %s%n", Reports.path(home.root(), outcome.run().id()));
        }
        return 0;
    }

    private static TrainRunner.Progress progress(boolean force, boolean disable) {
        if (!ProgressBarListener.show(force, disable)) {
            return TrainRunner.Progress.NONE;
        }
        return new TrainRunner.Progress() {
            private ProgressBar bar;

            @Override
            public void planned(long steps) {
                bar = ProgressBarListener.bar("training").setInitialMax(steps).setUnit(" steps", 1).build();
            }

            @Override
            public void step(long step, double loss, int attempt) {
                bar.stepTo(step);
                bar.setExtraMessage(String.format(" loss %.4f%s", loss, attempt > 0 ? " (restart " + attempt + ")" : ""));
            }

            @Override
            public void finished() {
                if (bar != null) {
                    bar.close();
                }
            }
        };
    }

    static void print(PrintWriter out, TrainRunner.Outcome outcome) {
        Map<String, Object> m = outcome.metrics();
        out.printf("candidate  %s (alias %s)%n", outcome.candidate().ref(), TrainRunner.CANDIDATE);
        out.printf("run        %s (%s), %s attempt(s)%n", outcome.run().id(), outcome.run().status(), m.get("attempts"));
        if (m.get("restarts") instanceof List<?> restarts) {
            for (Object restart : restarts) {
                Map<?, ?> r = (Map<?, ?>) restart;
                out.printf("restarted  after attempt %s: %s%n", r.get("attempt"), r.get("reason"));
            }
        }
        out.printf("loss       %.4f -> %.4f over %s steps%n", ((Number) m.get("firstLoss")).doubleValue(),
                ((Number) m.get("lastLoss")).doubleValue(), m.get("steps"));
        RetrievalMetrics before = (RetrievalMetrics) m.get("before");
        RetrievalMetrics after = (RetrievalMetrics) m.get("after");
        out.printf("held out   %d pairs: recall@1 %.3f -> %.3f, MRR@10 %.3f -> %.3f%n", after.queries(), before.recallAt1(),
                after.recallAt1(), before.mrrAt10(), after.mrrAt10());
    }
}
