package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.Requeue;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.refresh.Failures;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.TriggerEvaluator;
import io.embedflow.orchestrator.serve.ActiveRun.StopCause;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a run of {@code serve} ends: its record completed (error, log location), its request
 * finished or put back in line for a retry as its {@link FailureClass} and the {@link RetryPolicy}
 * say, and the end reported to its spec's triggers (what {@code after:} chains follow). Called on
 * the run threads and, for runs an earlier daemon left, on the pass thread; stateless between
 * calls.
 */
final class RunEnds {

    private static final Logger LOG = LoggerFactory.getLogger(RunEnds.class);

    private final ServeConfig config;
    private final MetadataStore metadata;
    private final RunQueue queue;
    private final FlinkTarget target;
    private final TriggerEvaluator triggers;
    private final Clock clock;

    RunEnds(ServeConfig config, MetadataStore metadata, RunQueue queue, FlinkTarget target, TriggerEvaluator triggers, Clock clock) {
        this.config = config;
        this.metadata = metadata;
        this.queue = queue;
        this.target = target;
        this.triggers = triggers;
        this.clock = clock;
    }

    void succeeded(ActiveRun run, RunRecord done) {
        Instant now = clock.instant();
        if (done.id().equals(run.runId)) {
            metadata.updateRun(done.withLogLocation(logLocation(run.runId)));
            LOG.info("run {} of spec {} succeeded: {} rows in {} s", done.id(), run.spec, done.rowsOut(), done.duration().toSeconds());
        } else {
            LOG.info("request {} of spec {}: nothing to do, run {} already made this table", run.requestId(), run.spec, done.id());
        }
        endRequest(run.requestId(), () -> queue.finish(run.requestId(), true, done.id(), now));
        reportEnd(run.spec, done.id(), true);
    }

    void failed(ActiveRun run, RuntimeException failure, RunPayload payload) {
        Instant now = clock.instant();
        StopCause cause = run.stopCause();
        String reason = cause == null ? null
                : cause == StopCause.SHUTDOWN ? "interrupted: the serve process running it shut down" : "cancelled: " + run.stopReason();
        RunRecord record = recordFailure(run, failure, payload, reason, now);
        if (cause == null) {
            retryOrFail(run.request, record, FailureClassifier.classify(failure), now);
            return;
        }
        LOG.info("run {} of spec {} stopped: {}", run.runId, run.spec, reason);
        switch (cause) {
            case USER -> reportEnd(run.spec, run.runId, false);
            case TIMEOUT -> {
                endRequest(run.requestId(), () -> queue.finish(run.requestId(), false, run.runId, now));
                reportEnd(run.spec, run.runId, false);
            }
            case SHUTDOWN -> endRequest(run.requestId(), () -> queue.requeue(run.requestId(), Requeue.RELEASED, now, now));
            case LEASE_LOST -> {
                // the request is someone else's now
            }
        }
    }

    /** The run's record, FAILED with {@code reason} (or the runner's own reason) and the log location; created if the run never got one. */
    private RunRecord recordFailure(ActiveRun run, RuntimeException failure, RunPayload payload, String reason, Instant now) {
        Optional<RunRecord> found = metadata.findRun(run.runId);
        String location = logLocation(run.runId);
        if (found.isEmpty() && payload == null) {
            throw new OrchestratorException("run " + run.runId + " has no record and its request no payload", failure);
        }
        if (found.isEmpty()) {
            RefreshSpec spec = payload.spec();
            RunRecord record = RunRecord.started(run.runId, "refresh", payload.model(), payload.modelSnapshotId(), null,
                            spec.dataset(), spec.output(), null, CodeVersion.current(), run.startedAt)
                    .withOrigin(payload.origin(spec.name(), run.requestId()))
                    .withLogLocation(location)
                    .failed(reason != null ? reason : Failures.describe(failure), now);
            metadata.insertRun(record);
            return record;
        }
        RunRecord record = found.get();
        if (record.status() == RunStatus.RUNNING) {
            record = record.failed(reason != null ? reason : Failures.describe(failure), now);
        } else if (reason != null) {
            record = record.withError(reason);
        }
        record = record.withLogLocation(location);
        metadata.updateRun(record);
        return record;
    }

    /** Puts the request back in line if its failure class has budget left; otherwise finishes it as FAILED. */
    void retryOrFail(QueuedRun request, RunRecord failed, FailureClassifier.Verdict verdict, Instant now) {
        Optional<Requeue> reason = verdict.failureClass().requeue();
        Optional<Duration> wait = reason.flatMap(r -> config.retries().next(r, request.retries(r), request.id()));
        if (wait.isPresent()) {
            int retry = request.retries(reason.get()) + 1;
            LOG.warn("run {} of spec {} failed ({}, seen as '{}'): {}; retry {} of {} in {} s", failed.id(), request.request().spec(),
                    verdict.failureClass(), verdict.evidence(), failed.error(), retry, config.retries().budget(reason.get()),
                    wait.get().toSeconds());
            endRequest(request.id(), () -> queue.requeue(request.id(), reason.get(), now.plus(wait.get()), now));
            return;
        }
        LOG.warn("run {} of spec {} failed ({}{}): {}", failed.id(), request.request().spec(), verdict.failureClass(),
                reason.isPresent() ? ", its retries are used up" : ", not retried", failed.error());
        endRequest(request.id(), () -> queue.finish(request.id(), false, failed.id(), now));
        reportEnd(request.request().spec(), failed.id(), false);
    }

    /** Runs a queue change that may find the request ended by someone else meanwhile (cancelled, say). */
    static void endRequest(long id, Runnable change) {
        try {
            change.run();
        } catch (OrchestratorException e) {
            LOG.info("request {} was not updated: {}", id, e.getMessage());
        }
    }

    void reportEnd(String spec, String runId, boolean succeeded) {
        triggers.recordRunFinished(spec, runId, succeeded);
    }

    /** This process's log and, when the cluster still knows it, the run's Flink job. */
    String logLocation(String runId) {
        String location = config.logFile().toString();
        try {
            Optional<FlinkJob> job = target.findJob(RunReconciler.jobName(runId));
            if (job.isPresent()) {
                location += "; " + target.describeJob(job.get());
            }
        } catch (OrchestratorException e) {
            LOG.debug("no Flink job location for run {}: {}", runId, e.getMessage());
        }
        return location;
    }

    /** A request whose payload cannot be read can never run: a FAILED record says why, and the request ends. */
    void unreadable(QueuedRun request, OrchestratorException e, Instant now) {
        String runId = RunIds.newId(now);
        metadata.insertRun(RunRecord.started(runId, "refresh", null, null, null, null, null, null, CodeVersion.current(), now)
                .withOrigin(new RunOrigin(request.request().spec(), "MANUAL", request.request().trigger().detail(), null,
                        request.id()))
                .failed("request " + request.id() + " cannot run: " + e.getMessage(), now));
        endRequest(request.id(), () -> queue.finish(request.id(), false, runId, now));
    }
}
