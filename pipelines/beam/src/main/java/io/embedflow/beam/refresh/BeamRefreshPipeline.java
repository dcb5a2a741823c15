package io.embedflow.beam.refresh;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.embed.EmbedTexts;
import io.embedflow.beam.read.ReadShards;
import io.embedflow.beam.write.WriteEmbeddingTable;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding refresh as a Beam pipeline, the counterpart of the Flink job {@code EmbeddingRefreshJob}:
 * <pre>
 * ReadShards (one element per row group, reshuffled) -> EmbedTexts (model per DoFn instance) -> WriteEmbeddingTable
 *                                                            └─ rejected rows ─────────────────┘ (parts, id check, one commit)
 * </pre>
 * The table appears atomically when the commit step publishes it; a failed run publishes nothing, and
 * {@link #run} removes what it staged.
 *
 * <p>On the DirectRunner: {@code java -cp pipelines-beam.jar:... io.embedflow.beam.refresh.BeamRefreshPipeline
 * --input=DIR --idColumn=id --textColumn=body --model=MODEL_DIR --output=DIR}; on Flink 1.19, the
 * {@code pipelines-beam-flink} job jar (see the README's Beam section).
 */
public final class BeamRefreshPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(BeamRefreshPipeline.class);

    private BeamRefreshPipeline() {}

    public static void main(String[] args) {
        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        BeamRefreshOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().as(BeamRefreshOptions.class);
        TableManifest manifest = run(options);
        System.out.println("published " + options.getOutput() + ": " + manifest.rowCount() + " rows, "
                + manifest.rejectedCount() + " rejected, " + manifest.truncatedCount() + " truncated (run "
                + manifest.runId() + ")");
    }

    /**
     * Builds and runs the refresh, waits for it and returns the published manifest. On failure the run's staged
     * parts are removed and the error is rethrown; no manifest is written.
     */
    public static TableManifest run(BeamRefreshOptions options) {
        Pipeline pipeline = Pipeline.create(options);
        BeamRefreshSpec spec = build(pipeline, options);
        PipelineResult.State state;
        try {
            state = pipeline.run().waitUntilFinish();
        } catch (RuntimeException e) {
            abort(spec, e);
            throw e;
        }
        if (state != PipelineResult.State.DONE) {
            BeamPipelineException e = new BeamPipelineException("refresh " + spec.runId() + " ended " + state
                    + "; nothing was published to " + spec.output());
            abort(spec, e);
            throw e;
        }
        try (TableLocation table = TableLocation.open(spec.output(), S3Settings.fromEnvironment())) {
            return table.readManifest();
        }
    }

    /** Adds the refresh to {@code pipeline}; returns what was planned (the run id, the output, the dataset). */
    public static BeamRefreshSpec build(Pipeline pipeline, BeamRefreshOptions options) {
        BeamRefreshSpec spec = BeamRefreshSpec.from(options);
        LOG.info("refresh {}: {} rows in {} shards of {} -> {}", spec.runId(), spec.plan().totalRows(),
                spec.plan().shards().size(), spec.plan().root(), spec.output());
        pipeline
                .apply("ReadShards", ReadShards.of(spec.plan()).withParallelism(options.getEmbedParallelism()))
                .apply("EmbedTexts", EmbedTexts.withModel(spec.model())
                        .withDevice(options.getDevice())
                        .withBatching(spec.batching())
                        .withTokenizerThreads(options.getTokenizerThreads())
                        .withWindowsAhead(options.getWindowsAhead()))
                .apply("WriteEmbeddingTable", WriteEmbeddingTable.to(spec.output())
                        .withPlan(spec.plan())
                        .withRunId(spec.runId())
                        .withModelSnapshotId(spec.modelSnapshotId())
                        .withModelRef(spec.modelRef())
                        .withAllowDuplicateIds(options.getAllowDuplicateIds()));
        return spec;
    }

    private static void abort(BeamRefreshSpec spec, Exception failure) {
        try (TableLocation table = TableLocation.open(spec.output(), S3Settings.fromEnvironment())) {
            table.abort(spec.runId());
        } catch (RuntimeException cleanup) {
            failure.addSuppressed(cleanup);
        }
    }
}
