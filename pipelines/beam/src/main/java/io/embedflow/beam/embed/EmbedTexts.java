package io.embedflow.beam.embed;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.snapshot.ModelSource;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.model.ModelDirectory;
import java.nio.file.Path;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Embeds text rows with a TorchScript model directory (one {@code *.pt}, {@code tokenizer.json},
 * {@code serving.properties}), the way the Flink job's embed operator does: the model is loaded once per
 * {@code DoFn} instance ({@code @Setup}) and closed in {@code @Teardown}; rows are tokenized on their own threads
 * ahead of the model, gathered into windows of {@code windowRows}, sorted by token length and cut into batches of
 * at most {@code maxBatchRows} rows and {@code maxBatchTokens} padded tokens; what is left is embedded at the end of
 * each bundle. A row's vector does not depend on the batch it is in.
 *
 * <p>Output: {@link #EMBEDDED}, one {@link EmbeddedText} per row with text; {@link #REJECTED}, one
 * {@link RejectedText} per row whose text is null ({@code "null text"}) or blank ({@code "empty text"}), the Flink
 * job's rules. Each output keeps its input row's window and timestamp.
 *
 * <p>An immutable configuration: every {@code withX} returns a changed copy and checks its argument.
 *
 * <pre>{@code
 * PCollectionTuple out = rows.apply(EmbedTexts.withModel("/models/minilm")
 *         .withDevice("cpu")
 *         .withBatching(new BatchingOptions(2048, 64, 4096)));
 * PCollection<EmbeddedText> vectors = out.get(EmbedTexts.EMBEDDED);
 * PCollection<RejectedText> rejected = out.get(EmbedTexts.REJECTED);
 * }</pre>
 */
public final class EmbedTexts extends PTransform<PCollection<TextRow>, PCollectionTuple> {
    private static final long serialVersionUID = 1L;

    /** Rows with their vectors. */
    public static final TupleTag<EmbeddedText> EMBEDDED = new TupleTag<>("embedded") {};
    /** Rows that were not embedded, with the reason. */
    public static final TupleTag<RejectedText> REJECTED = new TupleTag<>("rejected") {};

    private final ModelSource model;
    private final String device;
    private final BatchingOptions batching;
    private final int tokenizerThreads;
    private final int windowsAhead;

    private EmbedTexts(ModelSource model, String device, BatchingOptions batching, int tokenizerThreads, int windowsAhead) {
        this.model = model;
        this.device = device;
        this.batching = batching;
        this.tokenizerThreads = tokenizerThreads;
        this.windowsAhead = windowsAhead;
    }

    /** Embeds with the model in {@code modelDir} (a path every worker can read), on the CPU, with the CPU batching. */
    public static EmbedTexts withModel(String modelDir) {
        return new EmbedTexts(null, "cpu", BatchingOptions.CPU_DEFAULT, 1, 1).withModelDir(modelDir);
    }

    /**
     * Embeds with snapshot {@code snapshotId} of the registry's object store at {@code store} ({@code s3://bucket/prefix}
     * or a directory): each worker copies it into {@code cacheDir} once and verifies every file on every
     * {@code @Setup}, so workers need nothing but the store. On the CPU, with the CPU batching.
     */
    public static EmbedTexts withModelSnapshot(String store, String snapshotId, String cacheDir) {
        return withModel(modelSnapshot(store, snapshotId, cacheDir));
    }

    /** Embeds with the model {@code model} names, on the CPU, with the CPU batching. */
    public static EmbedTexts withModel(ModelSource model) {
        if (model == null) {
            throw new BeamPipelineException("EmbedTexts: model must not be null");
        }
        return new EmbedTexts(model, "cpu", BatchingOptions.CPU_DEFAULT, 1, 1);
    }

    public EmbedTexts withModelDir(String modelDir) {
        if (modelDir == null || modelDir.isBlank()) {
            throw new BeamPipelineException("EmbedTexts: modelDir must be a model directory, was " + describe(modelDir));
        }
        return new EmbedTexts(ModelSource.directory(modelDir), device, batching, tokenizerThreads, windowsAhead);
    }

    private static ModelSource modelSnapshot(String store, String snapshotId, String cacheDir) {
        if (store == null || store.isBlank()) {
            throw new BeamPipelineException("EmbedTexts: store must be an object store location, was " + describe(store));
        }
        try {
            return ModelSource.snapshot(store, snapshotId, cacheDir);
        } catch (ConnectorException e) {
            throw new BeamPipelineException("EmbedTexts: " + e.getMessage(), e);
        }
    }

    /** {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}. */
    public EmbedTexts withDevice(String device) {
        try {
            DeviceRequest.parse(device);
        } catch (DjlOpsException e) {
            throw new BeamPipelineException("EmbedTexts: device must be cpu, gpu or gpu:N, was " + describe(device), e);
        }
        return new EmbedTexts(model, device, batching, tokenizerThreads, windowsAhead);
    }

    /** Window, batch rows and batch tokens (each positive; {@link BatchingOptions} checks them). */
    public EmbedTexts withBatching(BatchingOptions batching) {
        if (batching == null) {
            throw new BeamPipelineException("EmbedTexts: batching must not be null");
        }
        return new EmbedTexts(model, device, batching, tokenizerThreads, windowsAhead);
    }

    /** Threads per model instance that tokenize windows ahead of the model (at least 1). */
    public EmbedTexts withTokenizerThreads(int tokenizerThreads) {
        if (tokenizerThreads < 1) {
            throw new BeamPipelineException("EmbedTexts: tokenizerThreads must be at least 1, was " + tokenizerThreads);
        }
        return new EmbedTexts(model, device, batching, tokenizerThreads, windowsAhead);
    }

    /** Windows tokenized before the model reaches them (at least 1; bounds memory). */
    public EmbedTexts withWindowsAhead(int windowsAhead) {
        if (windowsAhead < 1) {
            throw new BeamPipelineException("EmbedTexts: windowsAhead must be at least 1, was " + windowsAhead);
        }
        return new EmbedTexts(model, device, batching, tokenizerThreads, windowsAhead);
    }

    public ModelSource model() {
        return model;
    }

    public String device() {
        return device;
    }

    public BatchingOptions batching() {
        return batching;
    }

    public int tokenizerThreads() {
        return tokenizerThreads;
    }

    public int windowsAhead() {
        return windowsAhead;
    }

    /**
     * Checks the model where the pipeline is built, so a wrong path or snapshot fails before any worker starts: a
     * directory's layout, or that the store holds the snapshot (without copying it).
     */
    @Override
    public PCollectionTuple expand(PCollection<TextRow> rows) {
        if (model.fromStore()) {
            try {
                model.check(S3Settings.fromEnvironment());
            } catch (ConnectorException e) {
                throw new BeamPipelineException("EmbedTexts: " + e.getMessage(), e);
            }
        } else {
            try {
                ModelDirectory.open(Path.of(model.directory()));
            } catch (DjlOpsException e) {
                throw new BeamPipelineException("EmbedTexts: modelDir " + model.directory() + " is not a model directory: "
                        + e.getMessage(), e);
            }
        }
        PCollectionTuple out = rows.apply("Embed", ParDo.of(new EmbedFn(this))
                .withOutputTags(EMBEDDED, TupleTagList.of(REJECTED)));
        out.get(EMBEDDED).setCoder(EmbeddedTextCoder.of());
        out.get(REJECTED).setCoder(RejectedTextCoder.of());
        return out;
    }

    private static String describe(String value) {
        return value == null ? "null" : "'" + value + "'";
    }
}
