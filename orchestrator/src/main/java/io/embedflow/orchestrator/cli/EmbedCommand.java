package io.embedflow.orchestrator.cli;

import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.report.Reports;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow embed}: one refresh of an embedding table, recorded as a run. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed a Parquet dataset with a registered model into a new embedding table.")
final class EmbedCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME[/N]", description = "Model version (default: latest).")
    String model;

    @Option(names = "--input", required = true, paramLabel = "DIR|S3URI",
            description = "Parquet dataset: a directory or s3://bucket/prefix/.")
    String input;

    @Option(names = "--where", paramLabel = "KEY=VALUE",
            description = "Only the Hive partitions (key=value directories) where KEY is VALUE; repeat a key for "
                    + "either value, give several keys for all (read before any file is opened).")
    List<String> where = new ArrayList<>();

    @Option(names = "--id-column", required = true, paramLabel = "C", description = "Id column.")
    String idColumn;

    @Option(names = "--text-column", required = true, paramLabel = "C", description = "Text column.")
    String textColumn;

    @Option(names = "--output", required = true, paramLabel = "DIR|S3URI",
            description = "Table to create: a directory, or s3://bucket/prefix/ (must not exist, or be empty).")
    String output;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N",
            description = "Parallel embedders (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--subtasks-per-gpu", paramLabel = "N",
            description = "With --device gpu: embed subtasks sharing one GPU (default 1, one model per GPU).")
    Integer subtasksPerGpu;

    @Option(names = "--new-version",
            description = "Add a version to the table at --output (creating it if absent) instead of requiring a new "
                    + "location; readers see the newest version, whole.")
    boolean newVersion;

    @Option(names = "--full",
            description = "With --new-version: embed every row. Without it, when the newest version was embedded with the "
                    + "same model snapshot, only new and changed rows are embedded and the others are kept.")
    boolean fullRefresh;

    @Option(names = "--allow-duplicate-ids", description = "Embed rows with repeated ids instead of failing.")
    boolean allowDuplicateIds;

    @Mixin
    FlinkTargetOptions flink = new FlinkTargetOptions();

    @Option(names = "--job-option", paramLabel = "KEY=VALUE",
            description = "Further job option, e.g. embedflow.batch.max-rows=32 (repeatable).")
    Map<String, String> jobOptions = new LinkedHashMap<>();

    @Option(names = "--force", description = "Embed even if a table of this model snapshot and data snapshot exists.")
    boolean force;

    @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--no-progress", description = "Never show the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        if (!where.isEmpty()) {
            jobOptions.put(RefreshOptions.WHERE.key(), String.join(";", where));
        }
        if (subtasksPerGpu != null) {
            if (subtasksPerGpu < 1) {
                throw new ParameterException(spec.commandLine(), "--subtasks-per-gpu must be at least 1, was "
                        + subtasksPerGpu);
            }
            jobOptions.put(RefreshOptions.GPU_SUBTASKS_PER_GPU.key(), subtasksPerGpu.toString());
        }
        RefreshRequest request = new RefreshRequest(model, input, idColumn, textColumn, output, parallelism, device,
                allowDuplicateIds, jobOptions, force, null).withNewVersion(newVersion)
                .withFullRefresh(fullRefresh);
        try (EmbedflowHome home = main.openHome();
                FlinkTarget target = flink.open(spec.commandLine(), parallelism)) {
            RefreshRunner.Outcome outcome = CommandReports.around(home, () -> new RefreshRunner(home.metadata(),
                    home.registry()).run(request, target, ProgressBarListener.create(progress, noProgress)));
            print(spec.commandLine().getOut(), outcome, home.root());
        }
        return 0;
    }

    /** The launcher names the jar it built; elsewhere it must be given. */
    static Path defaultJobJar() {
        String jar = System.getProperty("embedflow.pipeline.jar");
        if (jar == null) {
            throw new io.embedflow.orchestrator.OrchestratorException("--flink needs --job-jar (the shaded pipeline jar)");
        }
        return Path.of(jar);
    }

    /** Prints the outcome and, when the refresh ran, where its report is. */
    static void print(PrintWriter out, RefreshRunner.Outcome outcome, Path home) {
        print(out, outcome);
        if (!outcome.skipped()) {
            out.printf("report     %s%n", Reports.path(home, outcome.run().id()));
        }
    }

    static void print(PrintWriter out, RefreshRunner.Outcome outcome) {
        var run = outcome.run();
        var m = outcome.manifest();
        if (outcome.skipped()) {
            out.printf("nothing to do: run %s already embedded data snapshot %s with model snapshot %s into %s "
                    + "(--force embeds again)%n", run.id(), m.dataSnapshotId(), m.modelSnapshotId(), run.outputPath());
            return;
        }
        out.printf("table      %s%n", run.outputPath());
        out.printf("run        %s (%s)%n", run.id(), run.status());
        out.printf("model      %s  snapshot %s%n", run.modelRef(), m.modelSnapshotId());
        out.printf("data       snapshot %s%n", m.dataSnapshotId());
        if (m.baseVersion() != null) {
            out.printf("rows       %d in the table: %s embedded (%s new, %s changed), %s kept from version %d, %s dropped; "
                    + "%d rejected, %d truncated; dimension %d%n", m.rowCount(), outcome.metrics().get("rows"),
                    outcome.metrics().get("rowsNew"), outcome.metrics().get("rowsChanged"), outcome.metrics().get("rowsKept"),
                    m.baseVersion(), outcome.metrics().get("rowsDropped"), m.rejectedCount(), m.truncatedCount(), m.dimension());
        } else {
            out.printf("rows       %d embedded, %d rejected%s, %d truncated; dimension %d%n", m.rowCount(),
                    m.rejectedCount(), m.rejectedCount() > 0 ? " (see _rejected/)" : "", m.truncatedCount(), m.dimension());
        }
        out.printf("time       %.1f s, %.0f rows/s%n", run.duration().toMillis() / 1000.0, run.rowsPerSecond());
    }
}
