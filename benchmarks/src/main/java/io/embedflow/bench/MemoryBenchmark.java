package io.embedflow.bench;

import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.EmbedStats;
import io.embedflow.djl.embed.PipelinedEmbedder;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.orchestrator.demo.StarterModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench memory}: streams generated rows (never all in memory) through
 * {@link PipelinedEmbedder} as the refresh job does, and samples the process's resident memory as
 * it goes. Native memory that is not given back (an NDArray outside its batch scope, a tokenizer
 * encoding never freed) shows as RSS that keeps growing once the engine has warmed up; the Java
 * heap is sampled beside it, so that heap growth is not mistaken for a native leak.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Resident memory of the pipelined embedder over many streamed rows: a native leak shows as growth.")
public final class MemoryBenchmark implements Callable<Integer> {
    private static final double MIB = 1024.0 * 1024.0;
    /**
     * Shorter texts than {@code bench batching}'s (about the demo dataset's lengths), so that a
     * million rows take minutes on two cores; the tail still reaches maxLength, so every batch
     * shape the model can see turns up.
     */
    private static final double MEDIAN_TOKENS = 16;
    private static final double SIGMA = 0.75;

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "1000000", description = "Rows to embed (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--every", defaultValue = "50000", description = "Rows between samples (default: ${DEFAULT-VALUE}).")
    long every;

    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: the starter model).")
    Path modelDir;

    @Option(names = "--seed", defaultValue = "13", description = "Seed of the generated texts (default: ${DEFAULT-VALUE}).")
    long seed;

    /** One reading, taken on the model thread between rows. */
    record Sample(long rowsAdded, long rowsEmbedded, double seconds, double rssMb, double heapResidentMb,
            double directMb, double heapUsedMb, double heapCommittedMb) {
        /** Resident memory outside the heap: native memory (libtorch, tokenizer), metaspace, code, stacks. */
        double nonHeapMb() {
            return rssMb - heapResidentMb;
        }
    }

    @Override
    public Integer call() throws IOException {
        if (rows < 1 || every < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--rows and --every must be positive, were " + rows + " and " + every);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("embedflow-bench-memory-");
        try {
            Path model = modelDir != null ? modelDir : StarterModel.extractTo(dir.resolve("model"));
            return run(out, ModelDirectory.open(model));
        } finally {
            ScratchDirs.delete(dir);
        }
    }

    private int run(PrintWriter out, ModelDirectory model) {
        BatchingOptions batching = BatchingOptions.CPU_DEFAULT;
        List<Sample> samples = new ArrayList<>();
        ProcessMemory memory = ProcessMemory.open();
        long[] embedded = {0};
        double seconds;
        EmbedStats stats;
        SkewedTexts texts;
        try (TextEmbedder embedder = TextEmbedder.load(model, DeviceRequest.CPU)) {
            texts = SkewedTexts.create(embedder.tokenizer(), BatchingBenchmark.MIN_TOKENS, model.config().maxLength(),
                    MEDIAN_TOKENS, SIGMA, seed);
            // the refresh job's settings: one tokenizer thread, one window tokenized ahead
            try (PipelinedEmbedder<String> pipeline = new PipelinedEmbedder<>(embedder, batching, 1, 1, text -> text,
                    (text, vector, tokens) -> embedded[0]++)) {
                long start = System.nanoTime();
                samples.add(sample(memory, 0, 0, 0));
                for (long i = 1; i <= rows; i++) {
                    pipeline.add(texts.text(texts.nextTokenCount()));
                    if (i % every == 0 && i < rows) {
                        samples.add(sample(memory, i, embedded[0], (System.nanoTime() - start) / 1e9));
                    }
                }
                pipeline.flush();
                seconds = (System.nanoTime() - start) / 1e9;
                samples.add(sample(memory, rows, embedded[0], seconds));
                stats = pipeline.stats();
            }
        }
        if (embedded[0] != rows) {
            throw new IllegalStateException("embedded " + embedded[0] + " of " + rows + " rows");
        }

        out.printf("%10s %10s %8s %9s %9s %9s %9s %9s %9s %10s%n", "rows", "embedded", "seconds", "rows/s", "RSS MiB",
                "non-heap", "direct", "heap RSS", "heap used", "heap comm.");
        Sample previous = null;
        for (Sample s : samples) {
            double rate = previous == null || s.seconds() == previous.seconds() ? 0
                    : (s.rowsEmbedded() - previous.rowsEmbedded()) / (s.seconds() - previous.seconds());
            out.printf("%10d %10d %8.1f %9.0f %9.1f %9.1f %9.1f %9.1f %9.1f %10.1f%n", s.rowsAdded(), s.rowsEmbedded(),
                    s.seconds(), rate, s.rssMb(), s.nonHeapMb(), s.directMb(), s.heapResidentMb(), s.heapUsedMb(),
                    s.heapCommittedMb());
            previous = s;
        }
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        Sample warm = samples.stream().filter(s -> s.rowsAdded() >= 0.2 * rows).findFirst().orElse(last);
        double max = samples.stream().mapToDouble(Sample::rssMb).max().orElse(0);
        out.printf("%ntexts: log-normal token counts, median %.0f, sigma %.2f, within [%d, %d]: mean %.1f tokens; "
                        + "batching %s, one tokenizer thread, one window ahead%n", MEDIAN_TOKENS, SIGMA,
                BatchingBenchmark.MIN_TOKENS, model.config().maxLength(), (double) stats.tokens() / stats.rows(), batching);
        out.printf("%d batches, batch fill %.3f; model %.1f s, waited for tokens %.1f s, tokenizing %.1f s (own thread); "
                        + "growth is from the sample at %d rows%n",
                stats.batches(), stats.batchFill(), stats.forwardNanos() / 1e9, stats.inputWaitNanos() / 1e9,
                stats.tokenizeNanos() / 1e9, warm.rowsAdded());
        // glibc gives each thread that allocates an arena of its own (up to 8 per core); memory freed in
        // one arena is not reused by the others, so with the tokenizer, intra-op and cleaner threads
        // all allocating, RSS creeps up for a long while without any leak
        String arenas = System.getenv("MALLOC_ARENA_MAX");
        out.printf("non-heap = RSS - resident heap pages (libtorch, tokenizer, malloc arenas, metaspace, code); "
                + "direct = NIO buffers awaiting GC (part of non-heap); MALLOC_ARENA_MAX=%s%n",
                arenas == null ? "unset (glibc default: 8 per core)" : arenas);
        out.printf("rows=%d rss_start_mb=%.1f rss_end_mb=%.1f rss_max_mb=%.1f rss_growth_after_warmup_mb=%.1f "
                        + "non_heap_growth_after_warmup_mb=%.1f heap_rss_end_mb=%.1f rows_per_s=%.0f%n",
                rows, first.rssMb(), last.rssMb(), max, last.rssMb() - warm.rssMb(), last.nonHeapMb() - warm.nonHeapMb(),
                last.heapResidentMb(), rows / seconds);
        return 0;
    }

    private static Sample sample(ProcessMemory memory, long added, long embedded, double seconds) {
        Runtime rt = Runtime.getRuntime();
        ProcessMemory.Resident r = memory.resident();
        return new Sample(added, embedded, seconds, r.total() / MIB, r.heap() / MIB, ProcessMemory.directBufferBytes() / MIB,
                (rt.totalMemory() - rt.freeMemory()) / MIB, rt.totalMemory() / MIB);
    }
}
