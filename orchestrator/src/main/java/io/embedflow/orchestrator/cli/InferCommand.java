package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.infer.InferRequest;
import io.embedflow.orchestrator.infer.RetrievalRunner;
import io.embedflow.orchestrator.report.Reports;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow infer}: batch retrieval of a dataset of queries against an embedding table. */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Embed a dataset of queries and write each one's top-k rows of an embedding table (exact cosine).")
final class InferCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model version or alias (NAME, NAME/N, NAME@ALIAS).")
    String model;

    @Option(names = "--queries", required = true, paramLabel = "DIR|S3URI", description = "Parquet dataset of queries.")
    String queries;

    @Option(names = "--id-column", required = true, paramLabel = "C", description = "Query id column.")
    String idColumn;

    @Option(names = "--text-column", required = true, paramLabel = "C", description = "Query text column.")
    String textColumn;

    @Option(names = "--corpus", required = true, paramLabel = "TABLE",
            description = "Embedding table to search (its newest version), embedded with the same model.")
    String corpus;

    @Option(names = "--k", defaultValue = "10", description = "Hits per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--output", required = true, paramLabel = "DIR|S3URI",
            description = "Predictions table to create (query_id, rank, id, score).")
    String output;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin
    FlinkTargetOptions flink = new FlinkTargetOptions();

    @Option(names = "--job-option", paramLabel = "KEY=VALUE", description = "Further job option (repeatable).")
    Map<String, String> jobOptions = new LinkedHashMap<>();

    @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--no-progress", description = "Never show the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        InferRequest request = new InferRequest(model, queries, idColumn, textColumn, corpus, k, output, parallelism, device,
                jobOptions);
        try (EmbedflowHome home = main.openHome();
                FlinkTarget target = flink.open(spec.commandLine(), parallelism)) {
            RetrievalRunner.Outcome outcome = CommandReports.around(home, () -> new RetrievalRunner(home.metadata(),
                    home.registry()).run(request, target, ProgressBarListener.create(progress, noProgress)));
            PrintWriter out = spec.commandLine().getOut();
            var m = outcome.metrics();
            out.printf("predictions %s%n", outcome.run().outputPath());
            out.printf("run         %s (%s)%n", outcome.run().id(), outcome.run().status());
            out.printf("model       %s  snapshot %s%n", outcome.run().modelRef(), outcome.manifest().modelSnapshotId());
            out.printf("corpus      %s version %s, %s rows scanned%n", m.get("corpus"), m.get("corpusVersion"),
                    m.get("corpusRowsScanned"));
            out.printf("queries     %s answered (top %d), %d rejected; %s queries/s%n", m.get("queries"), k,
                    outcome.manifest().rejectedCount(), m.get("queriesPerSecond"));
            out.printf("report      %s%n", Reports.path(home.root(), outcome.run().id()));
        }
        return 0;
    }
}
