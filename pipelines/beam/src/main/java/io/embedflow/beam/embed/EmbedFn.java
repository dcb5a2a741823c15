package io.embedflow.beam.embed;

import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.snapshot.ModelSource;
import io.embedflow.connectors.snapshot.SnapshotCache;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.PipelinedEmbedder;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.text.Tokens;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code DoFn} behind {@link EmbedTexts}. One model per instance, loaded in {@link #setup()}; one
 * {@link PipelinedEmbedder} per bundle, so a failed bundle leaves nothing behind for the next one.
 *
 * <p>Batches mix rows of the bundle, so a row's vector is usually ready while a later row is processed. It is
 * emitted then if it belongs to that row's window and is not earlier than that row's timestamp (always so in the
 * global window of a batch pipeline); otherwise it waits for {@link #finishBundle}, which emits it with its own
 * window and timestamp. Vectors waiting for the bundle's end are held in memory.
 *
 * <p>Metrics (namespace {@code EmbedTexts}): {@code rowsEmbedded}, {@code rowsRejected}, {@code rowsTruncated},
 * {@code tokensEmbedded}, {@code paddedTokens}, {@code batches}, {@code forwardMillis}.
 */
final class EmbedFn extends DoFn<TextRow, EmbeddedText> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EmbedFn.class);

    /** A row waiting for its vector, with where it belongs. */
    private record Pending(TextRow row, Instant timestamp, BoundedWindow window) {}

    /** A finished row, not yet emitted. */
    private record Done(EmbeddedText embedded, Instant timestamp, BoundedWindow window) {}

    private final ModelSource model;
    private final String device;
    private final BatchingOptions batching;
    private final int tokenizerThreads;
    private final int windowsAhead;

    private final Counter rowsEmbedded = Metrics.counter("EmbedTexts", "rowsEmbedded");
    private final Counter rowsRejected = Metrics.counter("EmbedTexts", "rowsRejected");
    private final Counter rowsTruncated = Metrics.counter("EmbedTexts", "rowsTruncated");
    private final Counter tokensEmbedded = Metrics.counter("EmbedTexts", "tokensEmbedded");
    private final Counter paddedTokens = Metrics.counter("EmbedTexts", "paddedTokens");
    private final Counter batches = Metrics.counter("EmbedTexts", "batches");
    private final Counter forwardMillis = Metrics.counter("EmbedTexts", "forwardMillis");

    private transient TextEmbedder embedder;
    private transient PipelinedEmbedder<Pending> pipeline;
    private transient ArrayDeque<Done> done;
    private transient List<Done> held;

    EmbedFn(EmbedTexts spec) {
        this.model = spec.model();
        this.device = spec.device();
        this.batching = spec.batching();
        this.tokenizerThreads = spec.tokenizerThreads();
        this.windowsAhead = spec.windowsAhead();
    }

    @Setup
    public void setup() {
        OfflineEngine.applyDefaults();
        // a snapshot from a store is copied into this worker's cache once, verified on every setup, and kept from
        // eviction while it loads
        try (SnapshotCache.Held held = model.open(S3Settings.fromEnvironment())) {
            embedder = TextEmbedder.load(ModelDirectory.open(held.directory()), DeviceRequest.parse(device));
        }
        done = new ArrayDeque<>();
        held = new ArrayList<>();
        LOG.info("embedder for {} on {} (dimension {}, {} intra-op threads)", model, embedder.device(),
                embedder.dimension(), TextEmbedder.intraOpThreads());
    }

    @StartBundle
    public void startBundle() {
        done.clear();
        held.clear();
        pipeline = new PipelinedEmbedder<>(embedder, batching, tokenizerThreads, windowsAhead, p -> p.row().text,
                this::finished);
    }

    @ProcessElement
    public void process(@Element TextRow row, @Timestamp Instant timestamp, BoundedWindow window,
            MultiOutputReceiver out) {
        if (row.text == null || row.text.isBlank()) {
            rowsRejected.inc();
            out.get(EmbedTexts.REJECTED).output(new RejectedText(row.idLong, row.idString, row.fileIndex, row.rowInFile,
                    row.text == null ? "null text" : "empty text", row.text));
            return;
        }
        pipeline.add(new Pending(row, timestamp, window));
        while (!done.isEmpty()) {
            Done d = done.poll();
            if (d.window().equals(window) && !d.timestamp().isBefore(timestamp)) {
                out.get(EmbedTexts.EMBEDDED).outputWithTimestamp(d.embedded(), d.timestamp());
            } else {
                held.add(d);
            }
        }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
        pipeline.flush();
        var stats = pipeline.stats();
        paddedTokens.inc(stats.paddedTokens());
        batches.inc(stats.batches());
        forwardMillis.inc(stats.forwardNanos() / 1_000_000);
        closePipeline();
        held.addAll(done);
        done.clear();
        for (Done d : held) {
            context.output(EmbedTexts.EMBEDDED, d.embedded(), d.timestamp(), d.window());
        }
        held.clear();
    }

    private void finished(Pending p, float[] vector, Tokens tokens) {
        TextRow row = p.row();
        if (tokens.truncated()) {
            rowsTruncated.inc();
        }
        rowsEmbedded.inc();
        tokensEmbedded.inc(tokens.length());
        done.add(new Done(new EmbeddedText(row.idLong, row.idString, row.fileIndex, row.rowInFile, vector,
                ContentHash.of(row.text), tokens.truncated()), p.timestamp(), p.window()));
    }

    private void closePipeline() {
        if (pipeline != null) {
            try {
                pipeline.close();
            } finally {
                pipeline = null;
            }
        }
    }

    @Teardown
    public void teardown() {
        try {
            closePipeline();
        } finally {
            if (embedder != null) {
                embedder.close();
                embedder = null;
            }
        }
    }
}
