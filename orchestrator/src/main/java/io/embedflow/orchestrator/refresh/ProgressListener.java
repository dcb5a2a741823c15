package io.embedflow.orchestrator.refresh;

/** Told how a running refresh is going; called from the submitting thread. */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {};

    /** The job was planned: {@code rows} input rows in total. */
    default void planned(long rows) {}

    /** Rows processed so far (embedded or rejected). */
    default void progress(long rows) {}

    /** The job ended, either way. */
    default void finished() {}
}
