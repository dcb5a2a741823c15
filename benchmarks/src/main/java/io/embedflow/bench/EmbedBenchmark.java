package io.embedflow.bench;

import io.embedflow.djl.embed.BatchingOptions;
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
 * {@code embedflow bench embed}: on one generated dataset and one model, measures (a) the raw
 * DJL loop over pre-tokenized, pre-batched input — the ceiling of this machine — and (b) the
 * refresh job end to end (planning, reading, tokenizing, embedding, writing, committing).
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Raw DJL predictor loop vs the refresh job end to end, same data and model.")
public final class EmbedBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Rows of generated data (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--parallelism", defaultValue = "1", description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: the starter model).")
    Path modelDir;

    @Option(names = "--work", paramLabel = "DIR", description = "Scratch directory (default: a new temp dir).")
    Path work;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = work != null ? work : Files.createTempDirectory("embedflow-bench-");
        Path data = dir.resolve("data");
        if (!Files.isDirectory(data)) {
            DemoDataset.generate(data, rows, 4, 7);
        }
        Path model = modelDir != null ? modelDir : StarterModel.extractTo(dir.resolve("model"));
        BatchingOptions batching = BatchingOptions.CPU_DEFAULT;

        // (a) the ceiling: a plain DJL predictor over input tokenized, batched and turned into
        // tensors before the clock starts; the model's forward pass and nothing else
        RawPredictorLoop.Result rawRun = RawPredictorLoop.run(data, model, batching);
        long rawRows = rawRun.rows();
        double rawSeconds = rawRun.seconds();

        // (b) the refresh job through the orchestrator on an embedded cluster
        double jobSeconds;
        long jobRows;
        try (EmbedflowHome home = EmbedflowHome.open(dir.resolve("home"));
                EmbeddedFlink flink = EmbeddedFlink.start(parallelism)) {
            ModelVersion v = home.registry().importModel(model, "bench");
            Path output = dir.resolve("table-" + System.nanoTime());
            RefreshRunner.Outcome outcome = new RefreshRunner(home.metadata(), home.registry()).run(
                    new RefreshRequest(v.ref(), data.toString(), "id", "text", output.toString(), parallelism, "cpu", false, Map.of(), true, null),
                    flink, ProgressListener.NONE);
            jobSeconds = outcome.run().duration().toNanos() / 1e9;
            jobRows = outcome.manifest().rowCount();
        }

        double raw = rawRows / rawSeconds;
        double job = jobRows / jobSeconds;
        out.printf("%-34s %10s %10s %12s%n", "path", "rows", "seconds", "rows/s");
        out.printf("%-34s %10d %10.2f %12.0f%n", "(a) raw DJL predictor, pre-batched", rawRows, rawSeconds, raw);
        out.printf("%-34s %10d %10.2f %12.0f%n", "(b) refresh job, p=" + parallelism, jobRows, jobSeconds, job);
        out.printf("batches=%d max_batch_rows=%d max_batch_tokens=%d cores=%d%n", rawRun.batches(),
                batching.maxBatchRows(), batching.maxBatchTokens(), Runtime.getRuntime().availableProcessors());
        out.printf("raw_rows_per_s=%.0f job_rows_per_s=%.0f job_vs_raw=%.3f rows=%d parallelism=%d%n",
                raw, job, job / raw, rawRows, parallelism);
        return 0;
    }
}
