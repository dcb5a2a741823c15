package io.embedflow.orchestrator.schedule;

/** What fired: the trigger kinds of a refresh spec. */
public enum TriggerKind {
    /** A due time of the spec's cron schedule passed. */
    CRON,
    /** The data snapshot of the spec's dataset changed: files were added, changed or deleted. */
    NEW_DATA,
    /** The spec's model alias moved to another version. */
    MODEL_ALIAS,
    /** A run of a spec this one runs after succeeded. */
    AFTER,
    /** Someone asked for a run ({@code embedflow schedule trigger}). */
    MANUAL
}
