package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.demo.DemoDataset;
import io.embedflow.orchestrator.demo.StarterModel;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
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
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow demo}: sample data, the starter model, one refresh on the embedded cluster. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate a sample table, import the starter model and embed the table on an embedded Flink cluster.")
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Rows of sample data (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--parallelism", defaultValue = "2", description = "Parallel embedders (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--no-progress", description = "Never show the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path root = main.home();
        Path input = root.resolve("demo/input-" + rows);
        if (!Files.isDirectory(input)) {
            out.printf("generating %d sample rows in %s%n", rows, input);
            Path staging = root.resolve("demo/.input-" + rows + "-" + RunIds.newId());
            DemoDataset.generate(staging, rows, 4, 42);
            try {
                Files.move(staging, input, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                throw new io.embedflow.orchestrator.OrchestratorException("cannot publish the demo dataset: " + e.getMessage(), e);
            }
        }
        try (EmbedflowHome home = main.openHome()) {
            Path modelDir = StarterModel.extractTo(root.resolve("demo/starter-model"));
            ModelVersion model = home.registry().importModel(modelDir, StarterModel.NAME);
            out.printf("model %s (untrained starter weights: vectors carry no meaning)%n", model.ref());
            // named for the model and the time, not like a run id: the run id is in the table's manifest
            Path output = root.resolve("demo/tables/" + model.name() + "-" + model.version() + "-"
                    + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
                            .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now()));
            RefreshRequest request = new RefreshRequest(model.ref(), input.toString(), "id", "text", output.toString(), parallelism, "cpu",
                    false, Map.of(), true, null);
            RefreshRunner.Outcome outcome;
            try (EmbeddedFlink flink = EmbeddedFlink.start(parallelism)) {
                outcome = CommandReports.around(home, () -> new RefreshRunner(home.metadata(), home.registry())
                        .run(request, flink, ProgressBarListener.create(progress, noProgress)));
            }
            EmbedCommand.print(out, outcome, home.root());
            out.printf("%nnext: embedflow runs show %s%n", outcome.run().id());
        }
        return 0;
    }
}
