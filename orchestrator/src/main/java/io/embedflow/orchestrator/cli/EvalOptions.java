package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.eval.EvalRequest;
import io.embedflow.orchestrator.refresh.ProgressListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** The options {@code eval} and {@code bless} share: what to evaluate on. */
final class EvalOptions {
    @Option(names = "--pairs", required = true, paramLabel = "DIR",
            description = "Parquet dataset of labelled pairs: query id, query text, relevant corpus id (a row per relevant id).")
    String pairs;

    @Option(names = "--query-id-column", defaultValue = "query_id", description = "Default: ${DEFAULT-VALUE}.")
    String queryIdColumn;

    @Option(names = "--query-column", defaultValue = "query", description = "Default: ${DEFAULT-VALUE}.")
    String queryColumn;

    @Option(names = "--relevant-column", defaultValue = "relevant_id", description = "Default: ${DEFAULT-VALUE}.")
    String relevantColumn;

    @Option(names = "--corpus", required = true, paramLabel = "DIR|S3URI", description = "Parquet dataset of the corpus texts.")
    String corpus;

    @Option(names = "--corpus-id-column", defaultValue = "id", description = "Default: ${DEFAULT-VALUE}.")
    String corpusIdColumn;

    @Option(names = "--corpus-text-column", defaultValue = "text", description = "Default: ${DEFAULT-VALUE}.")
    String corpusTextColumn;

    @Option(names = "--k", split = ",", paramLabel = "K", description = "Cut-offs (default: 1,5,10).")
    List<Integer> ks = new ArrayList<>(List.of(1, 5, 10));

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--progress", description = "Show the progress bars even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--no-progress", description = "Never show the progress bars.")
    boolean noProgress;

    /** A progress bar for each job evaluating {@code model}: its corpus refresh and its query retrieval. */
    Function<String, ProgressListener> progress(String model) {
        return job -> ProgressBarListener.create(model + " " + job, progress, noProgress);
    }

    EvalRequest request() {
        return new EvalRequest(pairs, queryIdColumn, queryColumn, relevantColumn, corpus, corpusIdColumn, corpusTextColumn, ks,
                parallelism, device);
    }
}
