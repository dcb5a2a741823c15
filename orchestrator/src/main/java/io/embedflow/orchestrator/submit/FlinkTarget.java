package io.embedflow.orchestrator.submit;

import java.net.URI;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.flink.configuration.Configuration;

/**
 * A Flink cluster jobs are submitted to and followed on: the embedded MiniCluster or a remote
 * session cluster through Flink's REST API, or a cluster of the Flink Kubernetes Operator through
 * its custom resources ({@code submit.k8s.KubernetesFlink}). Closing an embedded target stops it;
 * closing a remote one does nothing.
 *
 * <p>By default jobs are submitted by a {@code StreamExecutionEnvironment} built with
 * {@link #clientConfiguration()}, and the other calls follow and stop them by REST; a target that
 * submits otherwise overrides {@link #submit} and the calls that follow jobs. A job's id is its
 * handle on the target: the Flink job id on a REST target. The calls block for at
 * most a few seconds each, may be called from any thread, and throw an
 * {@link io.embedflow.orchestrator.OrchestratorException} whose cause is the I/O error when the
 * cluster cannot be reached.
 *
 * <pre>{@code
 * try (FlinkTarget flink = new RemoteFlink(URI.create("http://flink:8081"), jar)) {
 *     flink.findJob("embedflow refresh " + runId).filter(j -> !j.isTerminal()).ifPresent(j -> flink.cancel(j.id()));
 * }
 * }</pre>
 */
public interface FlinkTarget extends AutoCloseable {
    /** The REST endpoint, e.g. {@code http://127.0.0.1:8081}. */
    URI restAddress();

    /** Client settings for a {@code StreamExecutionEnvironment} that submits to this target. */
    Configuration clientConfiguration();

    /**
     * Submits a job and returns once the target accepted it.
     *
     * @throws io.embedflow.orchestrator.OrchestratorException when it cannot be submitted
     */
    default SubmittedJob submit(JobSubmission job) {
        return ClientSubmittedJob.submit(this, job);
    }

    /** The newest job named exactly {@code name} that the cluster knows (running or ended), if any. */
    default Optional<FlinkJob> findJob(String name) {
        return new FlinkRest(restAddress()).findJob(name);
    }

    /** Job {@code jobId}, as the cluster reports it now; empty when the cluster does not know it. */
    default Optional<FlinkJob> job(String jobId) {
        return new FlinkRest(restAddress()).job(jobId);
    }

    /**
     * Asks the cluster to cancel job {@code jobId} and returns without waiting for it to stop (follow
     * it with {@link #job}). Cancelling a job that already ended changes nothing.
     *
     * @return false when the cluster does not know the job
     */
    default boolean cancel(String jobId) {
        return new FlinkRest(restAddress()).cancel(jobId);
    }

    /** Why job {@code jobId} failed, as the cluster recorded it (the newest exception with its stack trace). */
    default Optional<String> failure(String jobId) {
        return new FlinkRest(restAddress()).failure(jobId);
    }

    /** Where a user looks at job {@code job}: its page in the cluster's web UI. */
    default String describeJob(FlinkJob job) {
        return "Flink job " + job.id() + " at " + restAddress() + "/#/job/" + job.id() + "/overview";
    }

    /**
     * Lets the target drop what it still keeps of job {@code jobId}, which ended and was recorded; a
     * REST target keeps nothing.
     */
    default void discard(String jobId) {
    }

    /** The cluster's task slots (free or not): what {@code serve} may admit runs for. */
    /**
     * Whether jobs run in this JVM, seeing its files: then they load models from the registry's local
     * cache; elsewhere they copy snapshots from the registry's object store when it is S3.
     */
    default boolean inProcess() {
        return false;
    }

    default OptionalInt totalSlots() {
        return new FlinkRest(restAddress()).totalSlots();
    }

    @Override
    void close();
}
