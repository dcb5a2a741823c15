package io.embedflow.orchestrator.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.flink.retrieval.RetrievalJob;
import io.embedflow.flink.retrieval.RetrievalJobSpec;
import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.refresh.DataSnapshotJson;
import io.embedflow.orchestrator.refresh.JobExecution;
import io.embedflow.orchestrator.refresh.JobTrace;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.ModelOptions;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.ModelSnapshot;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.JobSubmission;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;

/**
 * Runs one batch retrieval ({@link RetrievalJob}) and keeps its run record (kind {@code infer}): the
 * model version and snapshot, the queries' data snapshot, the corpus table and version searched, the
 * predictions table, and its measurements (queries, queries per second, corpus rows scanned).
 */
public final class RetrievalRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MetadataStore metadata;
    private final ModelRegistry registry;

    public RetrievalRunner(MetadataStore metadata, ModelRegistry registry) {
        this.metadata = metadata;
        this.registry = registry;
    }

    /** The published predictions table, its run record and measurements. */
    public record Outcome(RunRecord run, TableManifest manifest, Map<String, Object> metrics) {}

    public Outcome run(InferRequest request, FlinkTarget target, ProgressListener progress) {
        ModelVersion version = registry.resolve(ModelRef.parse(request.model()));
        ModelSnapshot snapshot = registry.snapshot(version);
        String runId = RunIds.newId();
        Map<String, String> options = new TreeMap<>(request.jobOptions());
        options.put(RefreshOptions.INPUT.key(), request.queries());
        options.put(RefreshOptions.ID_COLUMN.key(), request.idColumn());
        options.put(RefreshOptions.TEXT_COLUMN.key(), request.textColumn());
        ModelOptions.put(options, snapshot, registry.store(), target);
        options.put(RefreshOptions.MODEL_REF.key(), version.ref());
        options.put(RefreshOptions.OUTPUT.key(), request.output());
        options.put(RefreshOptions.RUN_ID.key(), runId);
        options.put(RefreshOptions.PARALLELISM.key(), Integer.toString(request.parallelism()));
        options.put(RefreshOptions.DEVICE.key(), request.device());
        options.put(RefreshOptions.RETRIEVAL_CORPUS.key(), request.corpus());
        options.put(RefreshOptions.RETRIEVAL_K.key(), Integer.toString(request.k()));
        RunRecord run = RunRecord.started(runId, "infer", version.ref(), snapshot.id(), null, request.queries(),
                request.output(), toJson(options), CodeVersion.current(), Instant.now());
        RetrievalJobSpec spec;
        try {
            spec = RetrievalJobSpec.fromConfiguration(Configuration.fromMap(options));
        } catch (RuntimeException e) {
            metadata.insertRun(run.failed(e.getMessage(), Instant.now()));
            throw new OrchestratorException(e.getMessage(), e);
        }
        var plan = spec.queries().plan();
        metadata.saveDataSnapshot(plan.snapshot().id(), plan.root(), DataSnapshotJson.encode(plan.snapshot()));
        run = run.withDataSnapshotId(plan.snapshot().id()).withCounts(plan.totalRows(), 0, 0, 0);
        metadata.insertRun(run);
        progress.planned(plan.totalRows());
        JobTrace trace = JobTrace.start();
        try {
            JobSubmission job = JobSubmission.of(RetrievalJob.jobName(spec), env -> RetrievalJob.define(env, spec),
                    RetrievalJob.class, options, spec.queries().parallelism());
            Map<String, Object> accumulators = JobExecution.run(job, target, progress, trace);
            trace.sample(plan.totalRows());
            TableManifest manifest;
            try (TableLocation table = TableLocation.open(request.output(), S3Settings.fromEnvironment())) {
                manifest = table.readManifest();
            }
            run = run.finished(RunStatus.SUCCEEDED, plan.totalRows(), count(accumulators, "queries"),
                    manifest.rejectedCount(), 0, Instant.now(), null);
            metadata.updateRun(run);
            double seconds = Math.max(1e-9, run.duration().toNanos() / 1e9);
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("queries", count(accumulators, "queries"));
            metrics.put("queriesPerSecond", Math.round(count(accumulators, "queries") / seconds * 1000) / 1000.0);
            metrics.put("predictions", manifest.rowCount());
            metrics.put("corpus", spec.corpus().location());
            metrics.put("corpusVersion", spec.corpus().version());
            metrics.put("corpusRowsScanned", count(accumulators, "corpusRowsScanned"));
            metrics.put("searchSeconds", Math.round(count(accumulators, "searchNanos") / 1e6) / 1000.0);
            metrics.put("embedSeconds", Math.round(count(accumulators, "embedNanos") / 1e6) / 1000.0);
            metrics.putAll(trace.toMetrics());
            metadata.saveRunMetrics(runId, toJson(metrics));
            return new Outcome(run, manifest, metrics);
        } catch (RuntimeException e) {
            try (TableLocation table = TableLocation.open(request.output(), S3Settings.fromEnvironment())) {
                table.abort(runId);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            metadata.updateRun(run.failed(e.getMessage(), Instant.now()));
            try {
                metadata.saveRunMetrics(runId, toJson(trace.toMetrics()));
            } catch (RuntimeException unsaved) {
                e.addSuppressed(unsaved);
            }
            throw e instanceof OrchestratorException o ? o : new OrchestratorException(e.getMessage(), e);
        } finally {
            progress.finished();
        }
    }

    private static long count(Map<String, Object> accumulators, String name) {
        Object v = accumulators.get(EmbedOperator.ACC_PREFIX + name);
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new OrchestratorException("cannot encode the run configuration", e);
        }
    }
}
