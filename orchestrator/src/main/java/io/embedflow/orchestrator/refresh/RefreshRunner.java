package io.embedflow.orchestrator.refresh;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.flink.refresh.EmbeddingRefreshJob;
import io.embedflow.flink.refresh.RefreshJobSpec;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.ModelSnapshot;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.JobSubmission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;

/**
 * Runs one embedding refresh and keeps its run record: resolves the model in the registry,
 * plans the dataset, submits {@link EmbeddingRefreshJob} to a Flink target, follows its progress,
 * and records the outcome (counts from the published table's manifest). The table is a local
 * directory or an {@code s3://} prefix ({@link TableLocation}); the run record keeps the location.
 */
public final class RefreshRunner {
    /** How often a running refresh's progress is written to its run record. */
    static final Duration PROGRESS_RECORD_INTERVAL = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MetadataStore metadata;
    private final ModelRegistry registry;

    public RefreshRunner(MetadataStore metadata, ModelRegistry registry) {
        this.metadata = metadata;
        this.registry = registry;
    }

    /**
     * The published table and its run record.
     *
     * @param skipped true when nothing ran because {@code run} already embedded the same data with
     *     the same model snapshot and its table is still there
     * @param metrics the run's measurements as its record keeps them (empty when skipped); an incremental
     *     refresh adds {@code rowsKept}, {@code rowsNew}, {@code rowsChanged} and {@code rowsDropped}
     */
    public record Outcome(RunRecord run, TableManifest manifest, boolean skipped, Map<String, Object> metrics) {
        public Outcome {
            metrics = Map.copyOf(metrics);
        }
    }

    /**
     * Runs the refresh to its end. A failure is recorded (status FAILED, with the reason), leaves
     * no output, and is thrown as an {@link OrchestratorException} whose message is that reason.
     */
    public Outcome run(RefreshRequest request, FlinkTarget target, ProgressListener progress) {
        ModelVersion version = registry.resolve(ModelRef.parse(request.model()));
        ModelSnapshot snapshot = registry.snapshot(version);
        return run(request, version, snapshot, target, progress);
    }

    /** Runs with an already resolved, verified model snapshot (replays name the exact snapshot). */
    public Outcome run(RefreshRequest request, ModelVersion version, ModelSnapshot snapshot, FlinkTarget target,
            ProgressListener progress) {
        String runId = request.runId() != null ? request.runId() : RunIds.newId();
        Map<String, String> options = new TreeMap<>(request.jobOptions());
        options.put(RefreshOptions.INPUT.key(), request.input());
        options.put(RefreshOptions.ID_COLUMN.key(), request.idColumn());
        options.put(RefreshOptions.TEXT_COLUMN.key(), request.textColumn());
        ModelOptions.put(options, snapshot, registry.store(), target);
        options.put(RefreshOptions.MODEL_REF.key(), version.ref());
        // a new version: the job writes the run's own table under the location's runs/, committed as a version after it
        VersionedOutput versioned = request.newVersion() ? VersionedOutput.at(request.output()) : null;
        options.put(RefreshOptions.OUTPUT.key(), versioned != null ? versioned.runLocation(runId) : request.output());
        if (versioned != null && !request.fullRefresh() && versioned.canBeIncremental(snapshot.id())) {
            // same model as the newest version: embed only new and changed rows, keep the rest
            options.put(RefreshOptions.BASE_TABLE.key(), request.output());
            options.put(RefreshOptions.BASE_VERSION.key(), Long.toString(versioned.baseVersion()));
        }
        options.put(RefreshOptions.RUN_ID.key(), runId);
        options.put(RefreshOptions.PARALLELISM.key(), Integer.toString(request.parallelism()));
        options.put(RefreshOptions.DEVICE.key(), request.device());
        options.put(RefreshOptions.ALLOW_DUPLICATE_IDS.key(), Boolean.toString(request.allowDuplicateIds()));
        String configJson = toJson(options);
        RunRecord run = RunRecord.started(runId, "refresh", version.ref(), snapshot.id(), null,
                request.input(), request.output(), configJson,
                CodeVersion.current(), Instant.now()).withOrigin(request.origin());

        RefreshJobSpec spec;
        try {
            spec = RefreshJobSpec.fromConfiguration(Configuration.fromMap(options));
        } catch (RuntimeException e) {
            metadata.insertRun(run.failed(Failures.describe(e), Instant.now()));
            throw new OrchestratorException(Failures.describe(e), e);
        }
        String dataSnapshotId = spec.plan().snapshot().id();
        String configKey = configKey(snapshot.id(), dataSnapshotId, request);
        if (!request.force() && request.replayOf() == null) {
            Optional<Outcome> done = alreadyDone(snapshot.id(), dataSnapshotId, configKey,
                    versioned != null ? request.output() : null);
            if (done.isPresent()) {
                return done.get();
            }
        }
        metadata.saveDataSnapshot(dataSnapshotId, spec.plan().root(), DataSnapshotJson.encode(spec.plan().snapshot()));
        run = run.withDataSnapshotId(dataSnapshotId).withCounts(spec.plan().totalRows(), 0, 0, 0)
                .withConfigKey(configKey).withReplayOf(request.replayOf());
        metadata.insertRun(run);
        ProgressListener watched = new RecordedProgress(progress, metadata, runId, Clock.systemUTC(), PROGRESS_RECORD_INTERVAL);
        watched.planned(spec.plan().totalRows());
        JobTrace trace = JobTrace.start();
        try {
            Map<String, Object> accumulators = execute(spec, options, target, watched, trace);
            progress.progress(spec.plan().totalRows());
            trace.sample(spec.plan().totalRows());
            TableManifest manifest = versioned != null ? versioned.commit(runId) : TableManifest.read(spec.output());
            run = run.finished(RunStatus.SUCCEEDED, spec.plan().totalRows(), manifest.rowCount(), manifest.rejectedCount(),
                    manifest.truncatedCount(), Instant.now(), null);
            metadata.updateRun(run);
            Map<String, Object> measured = RunMetrics.of(accumulators, run.duration());
            measured.putAll(trace.toMetrics());
            metadata.saveRunMetrics(run.id(), toJson(measured));
            return new Outcome(run, manifest, false, measured);
        } catch (RuntimeException e) {
            String reason = Failures.describe(e);
            try (TableLocation table = TableLocation.open(spec.output(), S3Settings.fromEnvironment())) {
                table.abort(runId);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            metadata.updateRun(run.failed(reason, Instant.now()));
            saveTrace(run.id(), trace, e);
            throw new OrchestratorException(reason, e);
        } finally {
            watched.finished();
        }
    }

    /** A finished run of the same model snapshot over the same data whose table is still intact. */
    private Optional<Outcome> alreadyDone(String modelSnapshotId, String dataSnapshotId, String configKey,
            String sameOutput) {
        Optional<RunRecord> previous = metadata.latestSucceededRun("refresh", modelSnapshotId, dataSnapshotId, configKey);
        if (previous.isEmpty() || previous.get().outputPath() == null) {
            return Optional.empty();
        }
        // a new version of a table is due unless that table's newest version is this work; a table elsewhere does not count
        if (sameOutput != null && !sameOutput.equals(ObjectStores.normalize(previous.get().outputPath()))) {
            return Optional.empty();
        }
        Optional<TableManifest> manifest;
        try (TableLocation table = TableLocation.open(previous.get().outputPath(), S3Settings.fromEnvironment())) {
            manifest = table.manifest();
        } catch (ConnectorException unreadable) {
            // a previous table that cannot be read is not intact: embed again, and let that run report any failure
            return Optional.empty();
        }
        if (manifest.isEmpty() || !manifest.get().runId().equals(previous.get().id())) {
            return Optional.empty();
        }
        return Optional.of(new Outcome(previous.get(), manifest.get(), true, Map.of()));
    }

    /** What decides a table's content: model, data, the columns, duplicate handling (not batching or parallelism). */
    static String configKey(String modelSnapshotId, String dataSnapshotId, RefreshRequest request) {
        String identity = "refresh/1\nmodel=" + modelSnapshotId + "\ndata=" + dataSnapshotId + "\nid=" + request.idColumn()
                + "\ntext=" + request.textColumn() + "\nallowDuplicateIds=" + request.allowDuplicateIds() + "\n";
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the job to its end and returns its accumulators. */
    private static Map<String, Object> execute(RefreshJobSpec spec, Map<String, String> options, FlinkTarget target,
            ProgressListener progress, JobTrace trace) {
        JobSubmission job = JobSubmission.of(EmbeddingRefreshJob.jobName(spec), env -> EmbeddingRefreshJob.define(env, spec),
                EmbeddingRefreshJob.class, options, spec.parallelism());
        return JobExecution.run(job, target, progress, trace);
    }

    /** Keeps what a failed run's job did before it failed, for its report; a failure to keep it goes with {@code failure}. */
    private void saveTrace(String runId, JobTrace trace, RuntimeException failure) {
        try {
            metadata.saveRunMetrics(runId, toJson(trace.toMetrics()));
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static String toJson(Object options) {
        try {
            return JSON.writeValueAsString(options);
        } catch (Exception e) {
            throw new OrchestratorException("cannot encode run configuration", e);
        }
    }
}
