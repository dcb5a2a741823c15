package io.embedflow.orchestrator.submit;

import java.util.Objects;
import org.apache.flink.api.common.JobStatus;

/**
 * A job as a Flink cluster's REST API reports it.
 *
 * @param id the job id (32 hex digits)
 * @param name the job name; a refresh is named {@code embedflow refresh <run id>}
 * @param state where it stands; {@link JobStatus#isGloballyTerminalState()} once it ended for good
 * @param startTime when the cluster accepted it, in epoch milliseconds
 */
public record FlinkJob(String id, String name, JobStatus state, long startTime) {

    public FlinkJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }

    /** Finished, failed or cancelled: nothing will change any more. */
    public boolean isTerminal() {
        return state.isGloballyTerminalState();
    }
}
