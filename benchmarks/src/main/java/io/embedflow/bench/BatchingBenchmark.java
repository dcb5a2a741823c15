package io.embedflow.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.EngineDefaults;
import io.embedflow.djl.embed.LengthSortedBatcher;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.text.TextTokenizer;
import io.embedflow.djl.text.Tokens;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.demo.StarterModel;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench batching}: on texts with a skewed (log-normal) token count and one model,
 * measures (a) fixed 64-row batches in input order against (b) length-sorted, token-budget
 * batches ({@link LengthSortedBatcher}, {@link BatchingOptions#CPU_DEFAULT}), both tokenizing the
 * same way on the caller's thread; (c) the raw DJL predictor over (b)'s batches, tokenized and
 * turned into tensors before the clock starts (the ceiling); (d) the refresh job end to end on the
 * same rows; and (e) this machine's matrix-multiply peak, against which each path's model FLOP
 * rate is set (MFU).
 */
@Command(name = "batching", mixinStandardHelpOptions = true,
        description = "Naive vs token-budget batching vs the raw predictor vs the refresh job, with FLOP utilisation.")
public final class BatchingBenchmark implements Callable<Integer> {
    static final int MIN_TOKENS = 8;
    static final int NAIVE_BATCH_ROWS = 64;
    private static final int MATMUL_SIZE = 1024;
    /** A ceiling is the best the machine did: other work on shared cores only ever slows a round. */
    private static final int CEILING_ROUNDS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Rows of generated text (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: the starter model).")
    Path modelDir;

    @Option(names = "--seed", defaultValue = "11", description = "Seed of the generated texts (default: ${DEFAULT-VALUE}).")
    long seed;

    /** What one pass computed: rows, real tokens, padded tokens (sum of r*w) and sum of r*w*w (attention). */
    record Pass(long rows, long batches, long tokens, long padded, long paddedByWidth, double seconds,
            double tokenizeSeconds) {
        double padding() {
            return (double) padded / tokens;
        }
    }

    /**
     * One way of batching, run window by window: each window of {@link BatchingOptions#CPU_DEFAULT}'s
     * window rows is tokenized on this thread in one call and embedded with the production embed
     * call, cut in input order into {@link #NAIVE_BATCH_ROWS}-row batches, or sorted and cut by the
     * token budget ({@link LengthSortedBatcher}). The clock runs only inside {@link #embed}, so two
     * passes can take turns window by window and share whatever else the machine is doing.
     */
    private static final class EmbedPass implements Consumer<List<Tokens>> {
        private final TextEmbedder embedder;
        private final boolean bucketed;
        private final Consumer<List<Tokens>> keep;
        private final LengthSortedBatcher<Tokens> batcher;
        private long rows;
        private long batches;
        private long tokens;
        private long padded;
        private long paddedByWidth;
        private long nanos;
        private long tokenizeNanos;

        /** {@code keep} sees each batch after the model (it must copy it to keep it). */
        EmbedPass(TextEmbedder embedder, boolean bucketed, Consumer<List<Tokens>> keep) {
            this.embedder = embedder;
            this.bucketed = bucketed;
            this.keep = keep;
            this.batcher = new LengthSortedBatcher<>(BatchingOptions.CPU_DEFAULT, Tokens::length, this);
        }

        /** Tokenizes and embeds one window of texts. */
        void embed(List<String> window) {
            long start = System.nanoTime();
            List<Tokens> encoded = Arrays.asList(embedder.tokenizer().encodeAll(window));
            tokenizeNanos += System.nanoTime() - start;
            if (bucketed) {
                encoded.forEach(batcher::add);
                batcher.flush();
            } else {
                for (int i = 0; i < encoded.size(); i += NAIVE_BATCH_ROWS) {
                    accept(encoded.subList(i, Math.min(encoded.size(), i + NAIVE_BATCH_ROWS)));
                }
            }
            nanos += System.nanoTime() - start;
        }

        @Override
        public void accept(List<Tokens> batch) {
            int width = 0;
            for (Tokens t : batch) {
                tokens += t.length();
                width = Math.max(width, t.length());
            }
            rows += batch.size();
            batches++;
            padded += (long) batch.size() * width;
            paddedByWidth += (long) batch.size() * width * width;
            embedder.embed(batch);
            keep.accept(batch);
        }

        Pass pass() {
            return new Pass(rows, batches, tokens, padded, paddedByWidth, nanos / 1e9, tokenizeNanos / 1e9);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (rows < 1) {
            throw new ParameterException(spec.commandLine(), "--rows must be positive, was " + rows);
        }
        Path dir = Files.createTempDirectory("embedflow-bench-batching-");
        try {
            return run(spec.commandLine().getOut(), dir);
        } finally {
            ScratchDirs.delete(dir);
        }
    }

    private int run(PrintWriter out, Path dir) throws Exception {
        Path model = modelDir != null ? modelDir : StarterModel.extractTo(dir.resolve("model"));
        EngineDefaults.apply();
        ModelDirectory directory = ModelDirectory.open(model);
        int maxLength = directory.config().maxLength();

        List<String> texts = new ArrayList<>(rows);
        int[] lengths;
        int exact = 0;
        SkewedTexts generator;
        try (TextTokenizer tokenizer = TextTokenizer.load(directory)) {
            generator = SkewedTexts.spanning(tokenizer, MIN_TOKENS, maxLength, seed);
            int[] targets = new int[rows];
            for (int i = 0; i < rows; i++) {
                targets[i] = generator.nextTokenCount();
                texts.add(generator.text(targets[i]));
            }
            Tokens[] check = tokenizer.encodeAll(texts);
            lengths = new int[rows];
            for (int i = 0; i < rows; i++) {
                lengths[i] = check[i].length();
                exact += lengths[i] == targets[i] ? 1 : 0;
            }
        }
        Path data = dir.resolve("data");
        TextParquet.write(data.resolve("part-000.parquet"), texts);

        // (e), first half: the peak is measured before and after the rest and the better kept, since
        // other work on the shared cores at one moment only ever lowers it
        double peakBefore = MatmulPeak.measure(MATMUL_SIZE, 5, 8);

        // the raw model of (c) is loaded first: its weights give the FLOP count, and a model whose
        // layers cannot be told apart fails here, before any timing
        Pass naive;
        Pass bucketed;
        Pass ceiling;
        ModelFlops flops;
        int intraOpThreads;
        try (ZooModel<NDList, NDList> zoo = Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(directory.dir())
                        .optModelName(directory.modelName())
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build()
                        .loadModel();
                Predictor<NDList, NDList> predictor = zoo.newPredictor();
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            flops = ModelFlops.of(zoo.getBlock());

            // (a) and (b): the production embed call, tokenizing windows of rows on this thread
            List<List<Tokens>> bucketedBatches = new ArrayList<>();
            try (TextEmbedder embedder = TextEmbedder.load(directory, DeviceRequest.CPU)) {
                intraOpThreads = TextEmbedder.intraOpThreads();
                List<String> warmUp = texts.subList(0, Math.min(texts.size(), 1024));
                new EmbedPass(embedder, false, batch -> { }).embed(warmUp);
                new EmbedPass(embedder, true, batch -> { }).embed(warmUp);
                EmbedPass a = new EmbedPass(embedder, false, batch -> { });
                EmbedPass b = new EmbedPass(embedder, true, batch -> bucketedBatches.add(List.copyOf(batch)));
                // the two take turns window by window, each going first every other window, so that
                // other work on shared cores slows both alike
                int window = BatchingOptions.CPU_DEFAULT.windowRows();
                for (int from = 0, k = 0; from < texts.size(); from += window, k++) {
                    List<String> w = texts.subList(from, Math.min(texts.size(), from + window));
                    (k % 2 == 0 ? a : b).embed(w);
                    (k % 2 == 0 ? b : a).embed(w);
                }
                naive = a.pass();
                bucketed = b.pass();
            }

            // (c) the ceiling: the model's forward pass alone over (b)'s batches, already tensors
            List<NDList> inputs = new ArrayList<>(bucketedBatches.size());
            for (List<Tokens> batch : bucketedBatches) {
                inputs.add(BatchTensors.of(manager, batch, directory.config().includeTokenTypes()));
            }
            for (int i = 0; i < Math.min(10, inputs.size()); i++) {
                predictor.predict(inputs.get(i)).close();
            }
            double seconds = Double.MAX_VALUE;
            for (int round = 0; round < CEILING_ROUNDS; round++) {
                long start = System.nanoTime();
                for (NDList in : inputs) {
                    predictor.predict(in).close();
                }
                seconds = Math.min(seconds, (System.nanoTime() - start) / 1e9);
            }
            ceiling = new Pass(bucketed.rows(), bucketed.batches(), bucketed.tokens(), bucketed.padded(),
                    bucketed.paddedByWidth(), seconds, 0);
        }

        // (d) the refresh job on the same rows, written as Parquet, through the orchestrator
        double jobSeconds;
        long jobRows;
        JsonNode metrics;
        try (EmbedflowHome home = EmbedflowHome.open(dir.resolve("home"));
                EmbeddedFlink flink = EmbeddedFlink.start(1)) {
            ModelVersion v = home.registry().importModel(model, "bench");
            RefreshRunner.Outcome outcome = new RefreshRunner(home.metadata(), home.registry()).run(
                    new RefreshRequest(v.ref(), data.toString(), "id", "text", dir.resolve("table").toString(), 1, "cpu", false, Map.of(),
                            true, null),
                    flink, ProgressListener.NONE);
            jobSeconds = outcome.run().duration().toNanos() / 1e9;
            jobRows = outcome.manifest().rowCount();
            metrics = JSON.readTree(home.metadata().findRunMetrics(outcome.run().id()).orElse("{}"));
        }

        // (e), second half
        double peak = Math.max(peakBefore, MatmulPeak.measure(MATMUL_SIZE, 5, 8));

        long jobPadded = metrics.path("paddedTokens").asLong();
        long jobTokens = metrics.path("tokens").asLong();
        // the job's batches are (b)'s when it pads the same tokens (one file, one subtask, same windows);
        // otherwise its attention share is estimated from (b)'s
        long jobByWidth = jobPadded == bucketed.padded() ? bucketed.paddedByWidth()
                : Math.round((double) bucketed.paddedByWidth() / bucketed.padded() * jobPadded);
        double jobFlops = flops.flops(jobPadded, jobByWidth);
        double embedSeconds = metrics.path("embedSeconds").asDouble();
        double forwardSeconds = metrics.path("forwardSeconds").asDouble();

        int[] sorted = lengths.clone();
        Arrays.sort(sorted);
        out.printf("texts: %d rows, tokens mean %.1f p50 %d p90 %d p99 %d max %d (log-normal, median %.0f, sigma %.2f, "
                        + "within [%d, %d]); %d of %d tokenize to their target length; %d single-token words%n",
                rows, Arrays.stream(lengths).average().orElse(0), pct(sorted, 50), pct(sorted, 90), pct(sorted, 99),
                sorted[sorted.length - 1], generator.medianTokens(), generator.sigma(), MIN_TOKENS, maxLength, exact, rows,
                generator.wordCount());
        out.printf("model: %s%n", flops.describe());
        out.printf("machine: %d cores, %d intra-op threads%n%n", Runtime.getRuntime().availableProcessors(), intraOpThreads);
        out.printf("%-46s %7s %8s %9s %10s %8s %8s %6s%n", "path", "rows", "seconds", "rows/s", "tokens/s",
                "pad/real", "GFLOP/s", "MFU");
        row(out, "(a) naive: 64-row batches, input order", naive, flops, peak);
        row(out, "(b) bucketed: token budget, CPU_DEFAULT", bucketed, flops, peak);
        row(out, "(c) ceiling: raw predictor, (b)'s batches*", ceiling, flops, peak);
        jobRow(out, "(d) refresh job p=1: run duration", jobRows, jobTokens, jobPadded, jobSeconds, jobFlops, peak);
        jobRow(out, "(d) refresh job p=1: embed stage", jobRows, jobTokens, jobPadded, embedSeconds, jobFlops, peak);
        jobRow(out, "(d) refresh job p=1: model calls only", jobRows, jobTokens, jobPadded, forwardSeconds, jobFlops, peak);
        out.printf("%-46s %7s %8s %9s %10s %8s %8.1f %5.0f%%%n", "(e) matmul " + MATMUL_SIZE + "x" + MATMUL_SIZE
                + " fp32, best of 10", "-", "-", "-", "-", "-", peak / 1e9, 100.0);
        out.printf("%n(a)/(b) include tokenizing (%.2f s / %.2f s, windows of %d on this thread, taking turns) and "
                        + "pooling; *(c) is the forward pass alone, best of %d. FLOPs count padded tokens; "
                        + "MFU = GFLOP/s / (e).%n", naive.tokenizeSeconds(), bucketed.tokenizeSeconds(),
                BatchingOptions.CPU_DEFAULT.windowRows(), CEILING_ROUNDS);
        out.printf("batches: (a) %d, (b) %d, job %d (%s (b)'s); job: tokenize %.2f s on its own thread, "
                        + "model waited %.2f s for tokens%n", naive.batches(), bucketed.batches(),
                metrics.path("batches").asLong(), jobPadded == bucketed.padded() ? "same padding as" : "NOT",
                metrics.path("tokenizeSeconds").asDouble(), metrics.path("inputWaitSeconds").asDouble());

        double naiveRate = naive.rows() / naive.seconds();
        double bucketedRate = bucketed.rows() / bucketed.seconds();
        double ceilingRate = ceiling.rows() / ceiling.seconds();
        double jobRate = jobRows / jobSeconds;
        double jobEmbedRate = jobRows / embedSeconds;
        // On a machine without an accelerator the tokenizer and the model share the cores: the least wall
        // time for both is the forward pass plus the tokenizing CPU time spread over every core.
        int cores = Runtime.getRuntime().availableProcessors();
        double sharedCpuRate = ceiling.rows() / (ceiling.seconds() + bucketed.tokenizeSeconds() / cores);
        out.printf("ceiling with tokenizing on the same %d cores: %.0f rows/s ((c) + %.2f s / %d); the embed stage "
                        + "reaches %.2f of it, the whole run %.2f%n", cores, sharedCpuRate, bucketed.tokenizeSeconds(),
                cores, jobEmbedRate / sharedCpuRate, jobRate / sharedCpuRate);
        double mfu = flops.flops(bucketed.padded(), bucketed.paddedByWidth()) / bucketed.seconds() / peak;
        double mfuCeiling = flops.flops(ceiling.padded(), ceiling.paddedByWidth()) / ceiling.seconds() / peak;
        out.printf("naive_rows_per_s=%.0f bucketed_rows_per_s=%.0f ceiling_rows_per_s=%.0f job_rows_per_s=%.0f "
                        + "job_embed_rows_per_s=%.0f matmul_gflops=%.1f bucketed_vs_naive=%.2f job_vs_ceiling=%.3f "
                        + "job_embed_vs_ceiling=%.3f job_embed_vs_shared_cpu_ceiling=%.3f "
                        + "mfu=%.4f mfu_ceiling=%.4f padding_naive=%.3f padding_bucketed=%.3f rows=%d%n",
                naiveRate, bucketedRate, ceilingRate, jobRate, jobEmbedRate, peak / 1e9,
                bucketedRate / naiveRate, jobRate / ceilingRate, jobEmbedRate / ceilingRate, jobEmbedRate / sharedCpuRate,
                mfu, mfuCeiling, naive.padding(), bucketed.padding(), rows);
        return 0;
    }

    private static void row(PrintWriter out, String name, Pass p, ModelFlops flops, double peak) {
        double flopRate = flops.flops(p.padded(), p.paddedByWidth()) / p.seconds();
        out.printf("%-46s %7d %8.2f %9.0f %10.0f %8.3f %8.2f %5.1f%%%n", name, p.rows(), p.seconds(),
                p.rows() / p.seconds(), p.tokens() / p.seconds(), p.padding(), flopRate / 1e9, 100 * flopRate / peak);
    }

    private static void jobRow(PrintWriter out, String name, long rows, long tokens, long padded, double seconds,
            double flops, double peak) {
        out.printf("%-46s %7d %8.2f %9.0f %10.0f %8.3f %8.2f %5.1f%%%n", name, rows, seconds, rows / seconds,
                tokens / seconds, (double) padded / tokens, flops / seconds / 1e9, 100 * flops / seconds / peak);
    }

    private static int pct(int[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
