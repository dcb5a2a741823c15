package io.embedflow.orchestrator.submit;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A job a {@link FlinkTarget} accepted, followed by the thread that submitted it.
 *
 * <p>Contract: {@link #awaitResult} blocks for at most about its timeout (plus one call to the
 * cluster) and is called by one thread; {@link #cancel} may be called from any thread. Once
 * {@link #awaitResult} returned a result or threw, the job has ended and later calls repeat that.
 */
public interface SubmittedJob {

    /** The REST endpoint of the Flink cluster that runs it, where its progress can be read. */
    URI restAddress();

    /** The Flink job id (32 hex digits), once the cluster has assigned one. */
    Optional<String> flinkJobId();

    /**
     * Waits up to {@code timeout} for the job to end.
     *
     * @return its accumulators once it finished (empty map when the cluster could not give them), or
     *     empty while it still runs
     * @throws io.embedflow.orchestrator.OrchestratorException when it failed or was cancelled, with the
     *     cluster's account of why
     * @throws InterruptedException when interrupted while waiting (the job goes on)
     */
    Optional<Map<String, Object>> awaitResult(Duration timeout) throws InterruptedException;

    /** Asks the cluster to cancel the job, without waiting for it to stop. */
    void cancel();
}
