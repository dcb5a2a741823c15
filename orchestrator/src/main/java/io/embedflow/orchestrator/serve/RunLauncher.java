package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.queue.QueuedRun;
import java.util.Objects;

/**
 * Runs one admitted request of {@code serve} to its end. The daemon calls it on one of its run
 * threads, one call per attempt, and stops a run by cancelling its Flink job (found by the name
 * {@code embedflow refresh <run id>}), never by interrupting the thread, except at a shutdown that
 * gives up on waiting.
 *
 * <p>Contract: blocks until the run ended. On success returns the record that holds the outcome:
 * the run's own record (id {@link Launch#runId()}), or an earlier succeeded run whose table
 * already holds the same result (nothing ran). On failure the run's record, if it got one, is
 * FAILED with the reason, and the failure is thrown with its cause chain intact, so the daemon can
 * classify it.
 */
@FunctionalInterface
public interface RunLauncher {

    /**
     * One attempt of a queued request.
     *
     * @param runId the id its run record must get (recorded on the request before the call)
     * @param request the queued request
     * @param payload what the request carries
     * @param origin what its record says started it
     */
    record Launch(String runId, QueuedRun request, RunPayload payload, RunOrigin origin) {
        public Launch {
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(origin, "origin");
        }
    }

    RunRecord run(Launch launch);
}
