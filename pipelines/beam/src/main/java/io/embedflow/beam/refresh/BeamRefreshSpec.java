package io.embedflow.beam.refresh;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.connectors.snapshot.ModelSource;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.model.ModelDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * One refresh, validated and planned where the pipeline is built, before any worker starts: the dataset's shards
 * and data snapshot, the model and its snapshot id, the output and the run id.
 */
public record BeamRefreshSpec(DatasetPlan plan, ModelSource model, String modelSnapshotId, String modelRef, String output,
        String runId, BatchingOptions batching) {

    /** Validates the options, checks the model directory's layout and the output, and plans the dataset. */
    public static BeamRefreshSpec from(BeamRefreshOptions options) {
        String input = require("input", options.getInput());
        String idColumn = require("idColumn", options.getIdColumn());
        String textColumn = require("textColumn", options.getTextColumn());
        String output = require("output", options.getOutput());
        if (options.getEmbedParallelism() < 0) {
            throw new BeamPipelineException("--embedParallelism must be 0 or more, was " + options.getEmbedParallelism());
        }
        try {
            DeviceRequest.parse(options.getDevice());
        } catch (DjlOpsException e) {
            throw new BeamPipelineException(e.getMessage(), e);
        }
        ModelSource model = modelSource(options);
        BatchingOptions batching;
        try {
            batching = new BatchingOptions(options.getWindowRows(), options.getMaxBatchRows(), options.getMaxBatchTokens());
        } catch (DjlOpsException e) {
            throw new BeamPipelineException("--windowRows, --maxBatchRows and --maxBatchTokens: " + e.getMessage(), e);
        }
        String out = ObjectStores.normalize(output);
        String in = ObjectStores.normalize(input);
        if (ObjectStores.isS3(out) == ObjectStores.isS3(in) && isInside(out, in)) {
            throw new BeamPipelineException("output " + out + " must not be inside the input " + in);
        }
        try (TableLocation table = TableLocation.open(out, S3Settings.fromEnvironment())) {
            table.requireFree();
        } catch (ConnectorException e) {
            throw new BeamPipelineException(e.getMessage(), e);
        }
        List<String> where = options.getWhere() == null ? List.of() : options.getWhere();
        DatasetPlan plan = ShardPlanner.plan(ObjectStores.isS3(in) ? in : Path.of(in).toAbsolutePath().toString(),
                idColumn, textColumn, PartitionFilter.parse(where), S3Settings.fromEnvironment());
        String snapshotId = options.getModelSnapshotId();
        if (snapshotId == null || snapshotId.isBlank()) {
            if (model.fromStore()) {
                throw new BeamPipelineException("--modelStore needs --modelSnapshotId: the snapshot to copy from it");
            }
            snapshotId = ModelSource.directoryId(Path.of(model.directory()));
        }
        String runId = options.getRunId();
        if (runId == null || runId.isBlank()) {
            runId = "beam-" + UUID.randomUUID().toString().substring(0, 8);
        }
        return new BeamRefreshSpec(plan, model, snapshotId,
                options.getModelRef(), out, runId, batching);
    }

    /**
     * {@code --model DIR} (its layout checked here), or {@code --modelStore STORE --modelSnapshotId ID
     * [--modelCache DIR]} (the snapshot's manifest checked here; each worker copies and verifies the files).
     */
    static ModelSource modelSource(BeamRefreshOptions options) {
        String dir = options.getModel();
        String store = options.getModelStore();
        if (store == null || store.isBlank()) {
            dir = require("model", dir);
            try {
                ModelDirectory.open(Path.of(dir));
            } catch (DjlOpsException e) {
                throw new BeamPipelineException(e.getMessage(), e);
            }
            return ModelSource.directory(Path.of(dir).toAbsolutePath().toString());
        }
        if (dir != null && !dir.isBlank()) {
            throw new BeamPipelineException("--model and --modelStore name the model twice: give one");
        }
        String id = require("modelSnapshotId", options.getModelSnapshotId());
        String cache = options.getModelCache();
        try {
            return ModelSource.checkedSnapshot(store, id, cache, S3Settings.fromEnvironment());
        } catch (ConnectorException e) {
            throw new BeamPipelineException(e.getMessage(), e);
        }
    }

    private static String require(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new BeamPipelineException("missing option --" + option);
        }
        return value;
    }

    /** Whether location {@code inner} is {@code outer} or below it (both local paths, or both s3:// URIs). */
    static boolean isInside(String inner, String outer) {
        if (ObjectStores.isS3(outer)) {
            String dir = outer.endsWith("/") ? outer : outer + "/";
            return (inner.endsWith("/") ? inner : inner + "/").startsWith(dir);
        }
        return Path.of(inner).toAbsolutePath().startsWith(Path.of(outer).toAbsolutePath());
    }
}
