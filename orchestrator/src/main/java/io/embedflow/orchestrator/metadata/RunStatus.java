package io.embedflow.orchestrator.metadata;

/** Lifecycle of a run: it starts {@link #RUNNING} and ends in exactly one terminal state. */
public enum RunStatus {
    RUNNING,
    SUCCEEDED,
    FAILED;

    public boolean isTerminal() {
        return this != RUNNING;
    }
}
