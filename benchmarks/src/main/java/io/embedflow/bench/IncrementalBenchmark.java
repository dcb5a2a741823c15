package io.embedflow.bench;

import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.demo.DemoDataset;
import io.embedflow.orchestrator.demo.StarterModel;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench incremental}: the refresh of a versioned table after a small change to its
 * dataset, incremental (only new and changed rows through the model, the rest carried) against its
 * baseline, the full re-embedding of the same data ({@code --full}), in one run on one cluster.
 * The dataset is {@code --files} files; the change deletes {@code --delete-files} of them and adds
 * {@code --added-percent} new rows in new files.
 */
@Command(name = "incremental", mixinStandardHelpOptions = true,
        description = "Incremental refresh after a small data change vs embedding everything again.")
public final class IncrementalBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Rows in the first version (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--files", defaultValue = "20", description = "Files of the dataset (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--delete-files", defaultValue = "1",
            description = "Files deleted before the refresh (default: ${DEFAULT-VALUE}).")
    int deleteFiles;

    @Option(names = "--added-percent", defaultValue = "10",
            description = "New rows added before the refresh, in % of --rows (default: ${DEFAULT-VALUE}).")
    double addedPercent;

    @Option(names = "--parallelism", defaultValue = "1", description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--work", paramLabel = "DIR", description = "Scratch directory (default: a new temp dir).")
    Path work;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = work != null ? work : Files.createTempDirectory("embedflow-bench-incremental-");
        Path data = dir.resolve("data");
        DemoDataset.generate(data, rows, files, 11);
        Path model = StarterModel.extractTo(dir.resolve("model"));
        Path table = dir.resolve("table-" + System.nanoTime());

        try (EmbedflowHome home = EmbedflowHome.open(dir.resolve("home"));
                EmbeddedFlink flink = EmbeddedFlink.start(parallelism)) {
            ModelVersion v = home.registry().importModel(model, "bench");
            RefreshRunner runner = new RefreshRunner(home.metadata(), home.registry());
            Run first = run(runner, flink, v, data, table, false, parallelism);

            // the change: whole files deleted, new rows in new files
            for (int f = 0; f < deleteFiles; f++) {
                Files.delete(data.resolve(String.format("part-%03d.parquet", f)));
            }
            long added = Math.round(rows * addedPercent / 100);
            if (added > 0) {
                DemoDataset.generate(data, added, Math.max(1, files / 10), 12, rows, "added");
            }

            Run incremental = run(runner, flink, v, data, table, false, parallelism);
            Run full = run(runner, flink, v, data, table, true, parallelism);

            out.printf("%-40s %10s %10s %10s %10s%n", "refresh", "table rows", "embedded", "kept", "seconds");
            out.printf("%-40s %10d %10d %10d %10.2f%n", "version 1 (full, setup)", first.tableRows, first.embedded, 0,
                    first.seconds);
            out.printf("%-40s %10d %10d %10d %10.2f%n", "incremental after the change", incremental.tableRows,
                    incremental.embedded, incremental.kept, incremental.seconds);
            out.printf("%-40s %10d %10d %10d %10.2f%n", "full re-embedding (baseline)", full.tableRows, full.embedded, 0,
                    full.seconds);
            if (incremental.tableRows != full.tableRows) {
                throw new IllegalStateException("the incremental version has " + incremental.tableRows
                        + " rows, the full one " + full.tableRows);
            }
            out.printf("incremental_s=%.2f full_s=%.2f incremental_vs_full=%.2f embedded_fraction=%.3f rows=%d "
                            + "parallelism=%d%n", incremental.seconds, full.seconds, full.seconds / incremental.seconds,
                    (double) incremental.embedded / full.embedded, full.tableRows, parallelism);
        }
        return 0;
    }

    private record Run(long tableRows, long embedded, long kept, double seconds) {}

    private static Run run(RefreshRunner runner, EmbeddedFlink flink, ModelVersion v, Path data, Path table, boolean full,
            int parallelism) {
        RefreshRequest request = new RefreshRequest(v.ref(), data.toString(), "id", "text", table.toString(), parallelism,
                "cpu", false, Map.of(), true, null).withNewVersion(true).withFullRefresh(full);
        RefreshRunner.Outcome outcome = runner.run(request, flink, ProgressListener.NONE);
        TableManifest m = outcome.manifest();
        return new Run(m.rowCount(), ((Number) outcome.metrics().get("rows")).longValue(),
                outcome.metrics().get("rowsKept") instanceof Number n ? n.longValue() : 0,
                outcome.run().duration().toNanos() / 1e9);
    }
}
