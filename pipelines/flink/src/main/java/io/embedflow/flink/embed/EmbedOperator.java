package io.embedflow.flink.embed;

import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.snapshot.ModelSource;
import io.embedflow.connectors.snapshot.SnapshotCache;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.EmbedStats;
import io.embedflow.djl.embed.PipelinedEmbedder;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.text.Tokens;
import io.embedflow.flink.gpu.DeviceLease;
import io.embedflow.flink.gpu.GpuBinding;
import io.embedflow.flink.gpu.GpuPolicy;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Embeds rows: loads the model once per subtask in {@link #open()}, tokenizes windows of rows on
 * its own tokenizer thread ahead of the model, and runs length-sorted, token-budget batches on the
 * task thread ({@link PipelinedEmbedder}). Rows with null or blank text go to {@link #REJECTED}
 * with the reason.
 *
 * <p>Metrics per subtask (Flink metric group of the operator): {@code rowsEmbedded},
 * {@code rowsPerSecond}, {@code tokensEmbedded}, {@code tokensPerSecond}, {@code paddedTokens},
 * {@code batchFill} (real / padded tokens), {@code forwardMillis}, {@code inputWaitMillis} (the
 * model waiting for tokens), {@code inputWaitFraction} (that wait as a share of the time since the
 * operator opened), {@code tokenizeMillis}, {@code rowsRejected}, {@code rowsTruncated}; the names a
 * Prometheus reporter gives them are in docs/metrics.md.
 * The same figures, summed over subtasks, are job accumulators named {@code embedflow.*}, with the
 * source's {@code bytesRead} and {@code readWaitNanos}, which arrive on each shard's first row; each
 * subtask also adds its own rows and times ({@link #SUBTASK_PREFIX}).
 */
public final class EmbedOperator extends AbstractStreamOperator<EmbeddedRow>
        implements OneInputStreamOperator<TextRow, EmbeddedRow>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<RejectedRecord> REJECTED = new OutputTag<>("rejected") {};
    /** Accumulator names (job-wide sums), read back by the orchestrator for the run record. */
    public static final String ACC_PREFIX = "embedflow.";
    /**
     * After {@link #ACC_PREFIX}: each subtask's own {@code rows}, {@code embedNanos} and {@code inputWaitNanos},
     * as {@code subtask.<index>.<name>}.
     */
    public static final String SUBTASK_PREFIX = "subtask.";

    private final ModelSource model;
    private final String device;
    private final BatchingOptions batching;
    private final int tokenizerThreads;
    private final int windowsAhead;
    private final GpuPolicy gpuPolicy;
    private final long failOnceAfterRows;
    private final String failOnceMarker;

    private transient DeviceLease deviceLease;
    private transient TextEmbedder embedder;
    private transient PipelinedEmbedder<TextRow> pipeline;
    private transient Counter rowsEmbedded;
    private transient Counter rowsRejected;
    private transient Counter rowsTruncated;
    private transient Counter tokensEmbedded;
    private transient long emittedHere;
    private transient long openedAt;
    private transient long bytesRead;
    private transient long readWaitNanos;

    /**
     * @param failOnceAfterRows testing only: subtask 0 fails once after this many rows (0 = never);
     *     {@code failOnceMarker} is the file whose creation makes it once
     */
    public EmbedOperator(ModelSource model, String device, BatchingOptions batching, int tokenizerThreads, int windowsAhead,
            GpuPolicy gpuPolicy, long failOnceAfterRows, String failOnceMarker) {
        this.gpuPolicy = gpuPolicy;
        this.model = model;
        this.device = device;
        this.batching = batching;
        this.tokenizerThreads = tokenizerThreads;
        this.windowsAhead = windowsAhead;
        this.failOnceAfterRows = failOnceAfterRows;
        this.failOnceMarker = failOnceMarker;
    }

    @Override
    public void open() throws Exception {
        super.open();
        deviceLease = GpuBinding.forSubtask(getRuntimeContext(), device, gpuPolicy);
        // a snapshot from the store is copied into this task manager's cache once, verified on every open, and kept
        // from eviction while it loads
        try (SnapshotCache.Held held = model.open(S3Settings.fromEnvironment())) {
            embedder = TextEmbedder.load(ModelDirectory.open(held.directory()), deviceLease.device());
        }
        pipeline = new PipelinedEmbedder<>(embedder, batching, tokenizerThreads, windowsAhead, row -> row.text, this::emit);
        openedAt = System.nanoTime();
        var metrics = getMetricGroup();
        rowsEmbedded = metrics.counter("rowsEmbedded");
        rowsRejected = metrics.counter("rowsRejected");
        rowsTruncated = metrics.counter("rowsTruncated");
        tokensEmbedded = metrics.counter("tokensEmbedded");
        metrics.meter("rowsPerSecond", new MeterView(rowsEmbedded));
        metrics.meter("tokensPerSecond", new MeterView(tokensEmbedded));
        metrics.gauge("paddedTokens", () -> pipeline.stats().paddedTokens());
        metrics.gauge("batchFill", () -> pipeline.stats().batchFill());
        metrics.gauge("forwardMillis", () -> pipeline.stats().forwardNanos() / 1_000_000);
        metrics.gauge("inputWaitMillis", () -> pipeline.stats().inputWaitNanos() / 1_000_000);
        metrics.gauge("inputWaitFraction", this::inputWaitFraction);
        metrics.gauge("tokenizeMillis", () -> pipeline.stats().tokenizeNanos() / 1_000_000);
        LOG.info("embedder on {} with {} intra-op threads ({} processors), {} tokenizer threads",
                embedder.device(), TextEmbedder.intraOpThreads(), Runtime.getRuntime().availableProcessors(), tokenizerThreads);
    }

    /** The share of the time since {@link #open()} that the model waited for tokenized rows (0 to 1). */
    private double inputWaitFraction() {
        long since = System.nanoTime() - openedAt;
        return since <= 0 ? 0 : Math.min(1, pipeline.stats().inputWaitNanos() / (double) since);
    }

    @Override
    public void processElement(StreamRecord<TextRow> element) {
        TextRow row = element.getValue();
        bytesRead += row.readBytes;
        readWaitNanos += row.readWaitNanos;
        if (row.text == null || row.text.isBlank()) {
            rowsRejected.inc();
            output.collect(REJECTED, new StreamRecord<>(new RejectedRecord(row.idLong, row.idString, row.fileIndex,
                    row.rowInFile, row.text == null ? "null text" : "empty text", row.text)));
            return;
        }
        pipeline.add(row);
    }

    @Override
    public void endInput() {
        pipeline.flush();
        EmbedStats s = pipeline.stats();
        long total = System.nanoTime() - openedAt;
        LOG.info("embedded {} rows ({} tokens, batch fill {}) in {} ms: model {} ms, waiting for tokens {} ms, "
                        + "tokenizing {} ms (on its own thread)", s.rows(), s.tokens(), String.format("%.3f", s.batchFill()),
                total / 1_000_000, s.forwardNanos() / 1_000_000, s.inputWaitNanos() / 1_000_000, s.tokenizeNanos() / 1_000_000);
        accumulate("rows", s.rows());
        accumulate("batches", s.batches());
        accumulate("tokens", s.tokens());
        accumulate("paddedTokens", s.paddedTokens());
        accumulate("forwardNanos", s.forwardNanos());
        accumulate("inputWaitNanos", s.inputWaitNanos());
        accumulate("tokenizeNanos", s.tokenizeNanos());
        accumulate("embedNanos", total);
        accumulate("bytesRead", bytesRead);
        accumulate("readWaitNanos", readWaitNanos);
        // this subtask's own share, under names no other subtask adds to
        String subtask = SUBTASK_PREFIX + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + ".";
        accumulate(subtask + "rows", s.rows());
        accumulate(subtask + "embedNanos", total);
        accumulate(subtask + "inputWaitNanos", s.inputWaitNanos());
    }

    private void accumulate(String name, long value) {
        LongCounter counter = new LongCounter(value);
        getRuntimeContext().addAccumulator(ACC_PREFIX + name, counter);
    }

    private void emit(TextRow row, float[] vector, Tokens tokens) {
        if (tokens.truncated()) {
            rowsTruncated.inc();
        }
        tokensEmbedded.inc(tokens.length());
        rowsEmbedded.inc();
        output.collect(new StreamRecord<>(new EmbeddedRow(row.idLong, row.idString, vector, ContentHash.of(row.text),
                tokens.truncated())));
        emittedHere++;
        maybeInjectFailure();
    }

    private void maybeInjectFailure() {
        if (failOnceAfterRows <= 0 || emittedHere < failOnceAfterRows
                || getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            return;
        }
        try {
            Files.createFile(Path.of(failOnceMarker));
        } catch (FileAlreadyExistsException e) {
            return;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create failure marker " + failOnceMarker, e);
        }
        throw new IllegalStateException("injected failure after " + emittedHere + " rows (testing)");
    }

    @Override
    public void close() throws Exception {
        try {
            if (pipeline != null) {
                pipeline.close();
            }
            if (embedder != null) {
                embedder.close();
            }
        } finally {
            try {
                if (deviceLease != null) {
                    deviceLease.close();
                }
            } finally {
                super.close();
            }
        }
    }
}
