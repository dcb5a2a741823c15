package io.embedflow.flink.refresh;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.connectors.snapshot.ModelSource;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.device.DeviceRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;

/**
 * Everything one refresh needs, validated and planned before any task starts: the dataset's
 * shards and data snapshot, the model, the output and the batching; for an incremental refresh,
 * the base version whose unchanged rows it keeps ({@code base}, else null).
 */
public record RefreshJobSpec(
        DatasetPlan plan,
        ModelSource model,
        String modelSnapshotId,
        String modelRef,
        String output,
        String runId,
        int parallelism,
        String device,
        BatchingOptions batching,
        int tokenizerThreads,
        int windowsAhead,
        int subtasksPerGpu,
        boolean gpuRequestSlots,
        boolean allowDuplicateIds,
        int restartAttempts,
        java.time.Duration restartDelay,
        long failOnceAfterRows,
        String failOnceMarker,
        long prefetchBytes,
        int prefetchRequests,
        BaseTable base) implements java.io.Serializable {

    /** Validates the options, checks the model directory's layout and plans the dataset's shards. */
    public static RefreshJobSpec fromConfiguration(Configuration conf) {
        String input = RefreshOptions.require(conf, RefreshOptions.INPUT);
        String idColumn = RefreshOptions.require(conf, RefreshOptions.ID_COLUMN);
        String textColumn = RefreshOptions.require(conf, RefreshOptions.TEXT_COLUMN);
        ModelSource model = modelSource(conf);
        String output = RefreshOptions.require(conf, RefreshOptions.OUTPUT);
        int parallelism = conf.get(RefreshOptions.PARALLELISM);
        if (parallelism < 1) {
            throw new RefreshJobException("--parallelism must be at least 1, was " + parallelism);
        }
        DeviceRequest.parse(conf.get(RefreshOptions.DEVICE));
        if (conf.get(RefreshOptions.GPU_SUBTASKS_PER_GPU) < 1) {
            throw new RefreshJobException("--gpu.subtasks-per-gpu must be at least 1, was "
                    + conf.get(RefreshOptions.GPU_SUBTASKS_PER_GPU));
        }
        String out = ObjectStores.normalize(output);
        String in = ObjectStores.normalize(input);
        if (ObjectStores.isS3(out) == ObjectStores.isS3(in) && isInside(out, in)) {
            throw new RefreshJobException("output " + out + " must not be inside the input " + in);
        }
        requireFreshOutput(out);
        DatasetPlan plan = ShardPlanner.plan(in, idColumn, textColumn, PartitionFilter.parse(conf.get(RefreshOptions.WHERE)),
                S3Settings.fromEnvironment());
        String snapshotId = conf.get(RefreshOptions.MODEL_SNAPSHOT_ID);
        if (snapshotId == null) {
            snapshotId = ModelSource.directoryId(Path.of(model.directory()));
        }
        String runId = conf.get(RefreshOptions.RUN_ID);
        if (runId == null) {
            runId = "job-" + UUID.randomUUID().toString().substring(0, 8);
        }
        return new RefreshJobSpec(plan, model, snapshotId,
                conf.get(RefreshOptions.MODEL_REF), out, runId, parallelism, conf.get(RefreshOptions.DEVICE),
                new BatchingOptions(conf.get(RefreshOptions.WINDOW_ROWS), conf.get(RefreshOptions.MAX_BATCH_ROWS),
                        conf.get(RefreshOptions.MAX_BATCH_TOKENS)),
                conf.get(RefreshOptions.TOKENIZER_THREADS), conf.get(RefreshOptions.WINDOWS_AHEAD),
                conf.get(RefreshOptions.GPU_SUBTASKS_PER_GPU), conf.get(RefreshOptions.GPU_REQUEST_SLOTS),
                conf.get(RefreshOptions.ALLOW_DUPLICATE_IDS), conf.get(RefreshOptions.RESTART_ATTEMPTS),
                conf.get(RefreshOptions.RESTART_DELAY), conf.get(RefreshOptions.FAIL_ONCE_AFTER_ROWS),
                conf.get(RefreshOptions.FAIL_ONCE_MARKER), conf.get(RefreshOptions.PREFETCH_BYTES).getBytes(),
                conf.get(RefreshOptions.PREFETCH_REQUESTS), BaseTable.fromConfiguration(conf, snapshotId, plan.idType()));
    }

    /**
     * The model: {@code --model DIR} (its layout checked here), or {@code --model-store STORE
     * --model-snapshot-id ID [--model-cache DIR]}, the snapshot's manifest checked here and its files
     * copied and verified by each task manager.
     */
    static ModelSource modelSource(Configuration conf) {
        String dir = conf.get(RefreshOptions.MODEL_DIR);
        String store = conf.get(RefreshOptions.MODEL_STORE);
        if (store != null && !store.isBlank()) {
            if (dir != null && !dir.isBlank()) {
                throw new RefreshJobException("--model and --model-store name the model twice: give one");
            }
            String id = conf.get(RefreshOptions.MODEL_SNAPSHOT_ID);
            if (id == null || id.isBlank()) {
                throw new RefreshJobException("--model-store needs --model-snapshot-id: the snapshot to copy from it");
            }
            String cache = conf.get(RefreshOptions.MODEL_CACHE);
            try {
                return ModelSource.checkedSnapshot(store, id, cache, S3Settings.fromEnvironment());
            } catch (ConnectorException e) {
                throw new RefreshJobException(e.getMessage(), e);
            }
        }
        dir = RefreshOptions.require(conf, RefreshOptions.MODEL_DIR);
        ModelDirectory.open(Path.of(dir));
        return ModelSource.directory(Path.of(dir).toAbsolutePath().toString());
    }

    /** Whether the run keeps the unchanged rows of a base version instead of embedding every row. */
    public boolean incremental() {
        return base != null;
    }

    /** Fails before any work when the output is taken: a table is never replaced in place. */
    static void requireFreshOutput(String out) {
        try (TableLocation table = TableLocation.open(out, S3Settings.fromEnvironment())) {
            table.requireFree();
        } catch (ConnectorException e) {
            throw new RefreshJobException(e.getMessage(), e);
        }
    }

    /** Whether location {@code inner} is {@code outer} or below it (both local paths, or both s3:// URIs). */
    static boolean isInside(String inner, String outer) {
        if (ObjectStores.isS3(outer)) {
            String dir = outer.endsWith("/") ? outer : outer + "/";
            return (inner.endsWith("/") ? inner : inner + "/").startsWith(dir);
        }
        return Path.of(inner).startsWith(Path.of(outer));
    }

    /** The dataset's files relative to its root, by file index (as rejected rows name them). */
    public List<String> relativeFiles() {
        if (ObjectStores.isS3(plan.root())) {
            return plan.files().stream().map(f -> f.substring(plan.root().length())).toList();
        }
        Path root = Path.of(plan.root());
        return plan.files().stream().map(f -> root.relativize(Path.of(f)).toString()).toList();
    }
}
