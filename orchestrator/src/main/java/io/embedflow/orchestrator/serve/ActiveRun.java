package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.queue.QueuedRun;
import java.time.Instant;
import java.util.concurrent.Future;

/**
 * A run this daemon is following: started here, or left running on the cluster by an earlier
 * daemon. Its fields are set on the pass thread; the stop request is read by the run thread.
 */
final class ActiveRun {

    /** Why a run is being stopped. */
    enum StopCause {
        /** {@code embedflow runs cancel}: its request was cancelled. */
        USER,
        /** It ran longer than {@code --run-timeout}. */
        TIMEOUT,
        /** This daemon no longer holds its request's lease (it expired and someone reclaimed it). */
        LEASE_LOST,
        /** The daemon is stopping and re-queues it. */
        SHUTDOWN
    }

    final QueuedRun request;
    final String spec;
    final String runId;
    final Instant startedAt;
    /** When it times out; null for never. */
    final Instant deadline;
    /** Its Flink job, when known up front (a followed job); else found by name when it must stop. */
    final String knownJobId;
    Future<?> future;
    private StopCause stop;
    private String stopReason;
    private boolean jobCancelled;

    ActiveRun(QueuedRun request, String spec, String runId, Instant startedAt, Instant deadline, String knownJobId) {
        this.request = request;
        this.spec = spec;
        this.runId = runId;
        this.startedAt = startedAt;
        this.deadline = deadline;
        this.knownJobId = knownJobId;
    }

    long requestId() {
        return request.id();
    }

    /** Asks it to stop; false if it was asked already (the first cause stands). */
    synchronized boolean requestStop(StopCause cause, String reason) {
        if (stop != null) {
            return false;
        }
        stop = cause;
        stopReason = reason;
        return true;
    }

    synchronized StopCause stopCause() {
        return stop;
    }

    synchronized String stopReason() {
        return stopReason;
    }

    /** Whether a stop was asked for and its job is not known to be cancelled yet. */
    synchronized boolean needsJobCancel() {
        return stop != null && !jobCancelled;
    }

    synchronized void jobCancelled() {
        jobCancelled = true;
    }
}
