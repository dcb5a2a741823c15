package io.embedflow.bench;

import io.embedflow.beam.refresh.BeamRefreshOptions;
import io.embedflow.beam.refresh.BeamRefreshPipeline;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.orchestrator.demo.DemoDataset;
import io.embedflow.orchestrator.demo.StarterModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench beam}: the Beam refresh on the DirectRunner, end to end (planning, reading, embedding,
 * writing, committing), against the raw DJL predictor loop over the same rows.
 */
@Command(name = "beam", mixinStandardHelpOptions = true,
        description = "Beam refresh on the DirectRunner vs the raw DJL predictor loop, same data and model.")
public final class BeamBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Rows of generated data (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--parallelism", defaultValue = "1",
            description = "Embedders of the Beam pipeline (--embedParallelism; default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--direct-checks",
            description = "Keep the DirectRunner's immutability and encodability checks on (a testing aid that encodes every "
                    + "element again; off by default, as no production runner makes them).")
    boolean directChecks;

    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: the starter model).")
    Path modelDir;

    @Option(names = "--work", paramLabel = "DIR", description = "Scratch directory (default: a new temp dir).")
    Path work;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = work != null ? work : Files.createTempDirectory("embedflow-bench-beam-");
        Path data = dir.resolve("data");
        if (!Files.isDirectory(data)) {
            DemoDataset.generate(data, rows, 4, 7);
        }
        Path model = modelDir != null ? modelDir : StarterModel.extractTo(dir.resolve("model"));
        BatchingOptions batching = BatchingOptions.CPU_DEFAULT;

        RawPredictorLoop.Result raw = RawPredictorLoop.run(data, model, batching);

        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        BeamRefreshOptions options = PipelineOptionsFactory.fromArgs("--runner=DirectRunner", "--input=" + data,
                "--idColumn=id", "--textColumn=text", "--model=" + model, "--output=" + dir.resolve("table-" + System.nanoTime()),
                "--embedParallelism=" + parallelism, "--targetParallelism=" + Math.max(1, parallelism),
                "--enforceImmutability=" + directChecks, "--enforceEncodability=" + directChecks)
                .as(BeamRefreshOptions.class);
        long start = System.nanoTime();
        TableManifest manifest = BeamRefreshPipeline.run(options);
        double beamSeconds = (System.nanoTime() - start) / 1e9;

        double rawRate = raw.rows() / raw.seconds();
        double beamRate = manifest.rowCount() / beamSeconds;
        out.printf("%-40s %10s %10s %12s%n", "path", "rows", "seconds", "rows/s");
        out.printf("%-40s %10d %10.2f %12.0f%n", "(a) raw DJL predictor, pre-batched", raw.rows(), raw.seconds(), rawRate);
        out.printf("%-40s %10d %10.2f %12.0f%n", "(b) Beam refresh, DirectRunner, p=" + parallelism + (directChecks ? ", checks" : ""), manifest.rowCount(),
                beamSeconds, beamRate);
        out.printf("raw_rows_per_s=%.0f beam_rows_per_s=%.0f beam_vs_raw=%.3f rows=%d parallelism=%d cores=%d%n",
                rawRate, beamRate, beamRate / rawRate, raw.rows(), parallelism, Runtime.getRuntime().availableProcessors());
        return 0;
    }
}
