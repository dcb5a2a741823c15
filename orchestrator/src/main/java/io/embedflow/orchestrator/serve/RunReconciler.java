package io.embedflow.orchestrator.serve;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableVersions;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out what became of a run that an earlier daemon started and did not see to its end (its
 * request came back to the queue with the run's id), and brings the run record in line: observe
 * the record, the Flink job named after the run and the table, then act.
 *
 * <ul>
 *   <li>No record: the run never started; start it.</li>
 *   <li>SUCCEEDED or FAILED: the run ended and only its request was not updated; use that end.</li>
 *   <li>RUNNING with a job still running on the cluster (a remote cluster outlives the daemon):
 *       follow the job instead of starting another ({@link #follow}).</li>
 *   <li>RUNNING with the job ended, or gone (an embedded cluster died with the daemon): the table
 *       decides. If its manifest names this run, the job committed it and the record is completed as
 *       SUCCEEDED from the manifest; otherwise nothing was committed, so the run's staged files are
 *       removed and the record FAILED as abandoned (a preemption), and the request runs again.</li>
 * </ul>
 * The table's commit is put-if-absent and a re-run of the same work finds the finished table and
 * writes nothing ({@code RefreshRunner}'s no-op), so no path commits a table twice. Blocking;
 * used from the daemon's threads.
 */
final class RunReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(RunReconciler.class);
    static final String ABANDONED = "abandoned: the serve process running it stopped before it finished";

    /** What a run turned out to be. */
    sealed interface Observation {
        /** No record: it never started. */
        record NotStarted() implements Observation {
        }

        /** It succeeded (its record says so now). */
        record Succeeded(RunRecord run) implements Observation {
        }

        /** It failed (its record says so now); {@code evidence} is the text to classify. */
        record Failed(RunRecord run, String evidence) implements Observation {
        }

        /** Its job still runs on the cluster. */
        record Running(RunRecord run, String jobId) implements Observation {
        }
    }

    private final MetadataStore metadata;
    private final FlinkTarget target;
    private final Clock clock;
    private final Duration followInterval;

    RunReconciler(MetadataStore metadata, FlinkTarget target, Clock clock, Duration followInterval) {
        this.metadata = metadata;
        this.target = target;
        this.clock = clock;
        this.followInterval = followInterval;
    }

    /** The Flink job name of run {@code runId}. */
    static String jobName(String runId) {
        return "embedflow refresh " + runId;
    }

    /**
     * What became of run {@code runId}, completing its record where the evidence settles it.
     *
     * @throws OrchestratorException when the cluster or the table cannot be read now (try again later)
     */
    Observation observe(String runId) {
        Optional<RunRecord> found = metadata.findRun(runId);
        if (found.isEmpty()) {
            return new Observation.NotStarted();
        }
        RunRecord run = found.get();
        return switch (run.status()) {
            case SUCCEEDED -> new Observation.Succeeded(run);
            case FAILED -> new Observation.Failed(run, run.error());
            case RUNNING -> {
                Optional<FlinkJob> job = target.findJob(jobName(runId));
                if (job.isPresent() && !job.get().isTerminal()) {
                    yield new Observation.Running(run, job.get().id());
                }
                yield ended(run, job);
            }
        };
    }

    /**
     * Follows job {@code jobId} of {@code run} (left by an earlier daemon) until it ends, then records
     * the end as {@link #observe} does. Polls the cluster every follow interval; interrupting the
     * thread stops the following, not the job.
     *
     * @return the succeeded record
     * @throws FollowedRunFailed with the failed record and its evidence
     */
    RunRecord follow(RunRecord run, String jobId) {
        LOG.info("following job {} of run {}, left running by an earlier serve", jobId, run.id());
        while (true) {
            Optional<FlinkJob> job;
            try {
                job = target.job(jobId);
            } catch (OrchestratorException unreachable) {
                LOG.warn("cannot read job {} of run {} now: {}", jobId, run.id(), unreachable.getMessage());
                job = Optional.of(new FlinkJob(jobId, jobName(run.id()), JobStatus.RUNNING, 0));
            }
            if (job.isEmpty() || job.get().isTerminal()) {
                Observation end = ended(run, job);
                if (end instanceof Observation.Succeeded s) {
                    return s.run();
                }
                Observation.Failed failed = (Observation.Failed) end;
                throw new FollowedRunFailed(failed.run(), failed.evidence());
            }
            try {
                Thread.sleep(followInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OrchestratorException("stopped following job " + jobId + " of run " + run.id(), e);
            }
        }
    }

    /** A followed run failed; its record is FAILED already. */
    static final class FollowedRunFailed extends OrchestratorException {
        private static final long serialVersionUID = 1L;
        private final transient RunRecord run;

        FollowedRunFailed(RunRecord run, String evidence) {
            super(run.error(), new OrchestratorException(evidence));
            this.run = run;
        }

        RunRecord run() {
            return run;
        }
    }

    /** A RUNNING record whose job ended ({@code job} terminal) or is unknown to the cluster (empty). */
    private Observation ended(RunRecord run, Optional<FlinkJob> job) {
        Optional<TableManifest> table = committedBy(run);
        if (table.isPresent()) {
            TableManifest m = table.get();
            RunRecord done = run.finished(RunStatus.SUCCEEDED, run.rowsIn(), m.rowCount(), m.rejectedCount(), m.truncatedCount(),
                    clock.instant(), null);
            metadata.updateRun(done);
            LOG.info("run {} committed its table before its serve stopped; recorded as SUCCEEDED", run.id());
            job.ifPresent(this::discard);
            return new Observation.Succeeded(done);
        }
        String error;
        String evidence;
        if (job.isPresent() && job.get().state() == JobStatus.FAILED) {
            evidence = target.failure(job.get().id()).orElse("job " + job.get().id() + " failed");
            error = firstLine(evidence);
        } else if (job.isPresent() && job.get().state() == JobStatus.CANCELED) {
            error = "cancelled: its Flink job " + job.get().id() + " was cancelled";
            evidence = error;
        } else {
            error = ABANDONED + (job.isPresent() ? " (its job " + job.get().id() + " ended " + job.get().state()
                    + " without committing a table)" : "");
            evidence = error;
        }
        abort(run);
        RunRecord failed = run.failed(error, clock.instant());
        metadata.updateRun(failed);
        LOG.info("run {} did not commit its table: {}", run.id(), error);
        job.ifPresent(this::discard);
        return new Observation.Failed(failed, evidence);
    }

    /** The recorded end of a job the cluster still keeps (an operator resource) lets it go; failing to only leaves it. */
    private void discard(FlinkJob job) {
        if (!job.isTerminal()) {
            return;
        }
        try {
            target.discard(job.id());
        } catch (OrchestratorException e) {
            LOG.warn("could not let go of ended job {}: {}", job.id(), e.getMessage());
        }
    }

    /** The table at the run's output, if this run committed it. */
    private static Optional<TableManifest> committedBy(RunRecord run) {
        if (run.outputPath() == null) {
            return Optional.empty();
        }
        try (TableLocation table = TableLocation.open(run.outputPath(), S3Settings.fromEnvironment())) {
            return table.manifest().filter(m -> run.id().equals(m.runId()));
        } catch (ConnectorException e) {
            throw new OrchestratorException("cannot read the table of run " + run.id() + " at " + run.outputPath() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Removes what the run staged; another run's table, if any, is never touched. */
    private static void abort(RunRecord run) {
        if (run.outputPath() == null) {
            return;
        }
        // a run that adds a version stages its table under the location's runs/<id>/; a plain one at the location
        String runTable = (run.outputPath().endsWith("/") ? run.outputPath() : run.outputPath() + "/")
                + TableVersions.runDirectory(run.id());
        for (String location : List.of(run.outputPath(), runTable)) {
            try (TableLocation table = TableLocation.open(location, S3Settings.fromEnvironment())) {
                table.abort(run.id());
            } catch (RuntimeException e) {
                LOG.warn("could not remove what run {} staged at {}: {}", run.id(), location, e.getMessage());
            }
        }
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }
}
