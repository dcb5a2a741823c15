package io.embedflow.orchestrator.serve;

/** What {@code serve} does with the runs it is running when it is asked to stop (SIGTERM, Ctrl-C). */
public enum ShutdownPolicy {
    /**
     * Cancel their Flink jobs, record the runs as FAILED ("interrupted: the serve process running it
     * shut down") and put their requests back in line uncounted, so the next start runs them again.
     * The default, and the only choice on the embedded cluster, whose jobs die with the process.
     */
    REQUEUE,
    /**
     * Leave their jobs running on the remote cluster and hand their requests back with their run ids,
     * so the next start follows each job to its end instead of running it again.
     */
    DETACH
}
