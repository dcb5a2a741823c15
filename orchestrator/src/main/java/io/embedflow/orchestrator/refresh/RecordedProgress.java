package io.embedflow.orchestrator.refresh;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a refresh's progress on to another listener and keeps it in the run's record as well
 * ({@link MetadataStore#recordRunProgress}), at most once per {@code every}, so that whoever reads
 * the metadata store (the web UI, {@code embedflow runs}) sees a running refresh move. Called from
 * the submitting thread, like every {@link ProgressListener}. A write that fails is logged and
 * skipped: progress is for watching, and the run goes on.
 */
final class RecordedProgress implements ProgressListener {

    private static final Logger LOG = LoggerFactory.getLogger(RecordedProgress.class);

    private final ProgressListener next;
    private final MetadataStore metadata;
    private final String runId;
    private final Clock clock;
    private final Duration every;
    private Instant lastWrite = Instant.MIN;
    private long lastRows = -1;

    RecordedProgress(ProgressListener next, MetadataStore metadata, String runId, Clock clock, Duration every) {
        this.next = next;
        this.metadata = metadata;
        this.runId = runId;
        this.clock = clock;
        this.every = every;
    }

    @Override
    public void planned(long rows) {
        next.planned(rows);
    }

    @Override
    public void progress(long rows) {
        next.progress(rows);
        Instant now = clock.instant();
        if (rows == lastRows || now.isBefore(lastWrite.plus(every))) {
            return;
        }
        try {
            metadata.recordRunProgress(runId, rows);
            lastWrite = now;
            lastRows = rows;
        } catch (OrchestratorException e) {
            LOG.warn("could not record the progress of run {} ({} rows): {}", runId, rows, e.getMessage());
        }
    }

    @Override
    public void finished() {
        next.finished();
    }
}
