package io.embedflow.flink.embed;

import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.LengthSortedBatcher;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.text.Tokens;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Embeds rows: loads the model once per subtask in {@link #open()}, buffers a window of rows,
 * tokenizes the window in one call, sorts it by token length and runs it in batches bounded by
 * rows and padded tokens. Rows with null or blank text go to {@link #REJECTED} with the reason.
 */
public final class EmbedOperator extends AbstractStreamOperator<EmbeddedRow>
        implements OneInputStreamOperator<TextRow, EmbeddedRow>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<RejectedRecord> REJECTED = new OutputTag<>("rejected") {};

    private final String modelDir;
    private final String device;
    private final BatchingOptions batching;
    private final long failOnceAfterRows;
    private final String failOnceMarker;

    private transient TextEmbedder embedder;
    private transient List<TextRow> window;
    private transient LengthSortedBatcher<Pending> batcher;
    private transient List<Tokens> batchTokens;
    private transient Counter rowsEmbedded;
    private transient Counter rowsRejected;
    private transient Counter rowsTruncated;
    private transient Counter tokensEmbedded;
    private transient long emittedHere;
    private transient long tokenizeNanos;
    private transient long embedNanos;
    private transient long downstreamNanos;
    private transient long openedAt;

    /**
     * @param failOnceAfterRows testing only: subtask 0 fails once after this many rows (0 = never);
     *     {@code failOnceMarker} is the file whose creation makes it once
     */
    public EmbedOperator(String modelDir, String device, BatchingOptions batching, long failOnceAfterRows, String failOnceMarker) {
        this.modelDir = modelDir;
        this.device = device;
        this.batching = batching;
        this.failOnceAfterRows = failOnceAfterRows;
        this.failOnceMarker = failOnceMarker;
    }

    private record Pending(TextRow row, Tokens tokens) {}

    @Override
    public void open() throws Exception {
        super.open();
        embedder = TextEmbedder.load(ModelDirectory.open(Path.of(modelDir)), DeviceRequest.parse(device));
        window = new ArrayList<>(batching.windowRows());
        batchTokens = new ArrayList<>(batching.maxBatchRows());
        batcher = new LengthSortedBatcher<>(batching, p -> p.tokens().length(), this::embedBatch);
        var metrics = getMetricGroup();
        rowsEmbedded = metrics.counter("rowsEmbedded");
        rowsRejected = metrics.counter("rowsRejected");
        rowsTruncated = metrics.counter("rowsTruncated");
        tokensEmbedded = metrics.counter("tokensEmbedded");
        metrics.gauge("tokenizeMillis", () -> tokenizeNanos / 1_000_000);
        metrics.gauge("embedMillis", () -> embedNanos / 1_000_000);
        openedAt = System.nanoTime();
        LOG.info("embedder on {} with {} intra-op threads ({} processors)", embedder.device(),
                TextEmbedder.intraOpThreads(), Runtime.getRuntime().availableProcessors());
    }

    @Override
    public void processElement(StreamRecord<TextRow> element) {
        TextRow row = element.getValue();
        if (row.text == null || row.text.isBlank()) {
            rowsRejected.inc();
            output.collect(REJECTED, new StreamRecord<>(new RejectedRecord(row.idLong, row.idString, row.fileIndex,
                    row.rowInFile, row.text == null ? "null text" : "empty text", row.text)));
            return;
        }
        window.add(row);
        if (window.size() >= batching.windowRows()) {
            drainWindow();
        }
    }

    @Override
    public void endInput() {
        drainWindow();
        long total = System.nanoTime() - openedAt;
        LOG.info("embedded {} rows in {} ms: tokenize {} ms, model {} ms, downstream (hash, write) {} ms, other {} ms",
                emittedHere, total / 1_000_000, tokenizeNanos / 1_000_000, embedNanos / 1_000_000,
                downstreamNanos / 1_000_000, (total - tokenizeNanos - embedNanos - downstreamNanos) / 1_000_000);
    }

    private void drainWindow() {
        if (window.isEmpty()) {
            return;
        }
        List<String> texts = new ArrayList<>(window.size());
        for (TextRow r : window) {
            texts.add(r.text);
        }
        long start = System.nanoTime();
        Tokens[] tokens = embedder.tokenizer().encodeAll(texts);
        tokenizeNanos += System.nanoTime() - start;
        for (int i = 0; i < tokens.length; i++) {
            batcher.add(new Pending(window.get(i), tokens[i]));
        }
        batcher.flush();
        window.clear();
    }

    private void embedBatch(List<Pending> batch) {
        batchTokens.clear();
        for (Pending p : batch) {
            batchTokens.add(p.tokens());
        }
        long start = System.nanoTime();
        float[][] vectors = embedder.embed(batchTokens);
        long embedded = System.nanoTime();
        embedNanos += embedded - start;
        for (int i = 0; i < vectors.length; i++) {
            Pending p = batch.get(i);
            TextRow row = p.row();
            if (p.tokens().truncated()) {
                rowsTruncated.inc();
            }
            tokensEmbedded.inc(p.tokens().length());
            output.collect(new StreamRecord<>(new EmbeddedRow(
                    row.idLong, row.idString, vectors[i], ContentHash.of(row.text), p.tokens().truncated())));
        }
        downstreamNanos += System.nanoTime() - embedded;
        rowsEmbedded.inc(vectors.length);
        emittedHere += vectors.length;
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
            if (embedder != null) {
                embedder.close();
            }
        } finally {
            super.close();
        }
    }
}
