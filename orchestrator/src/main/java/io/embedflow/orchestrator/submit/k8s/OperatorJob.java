package io.embedflow.orchestrator.submit.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.SubmittedJob;
import io.embedflow.orchestrator.submit.k8s.FlinkResources.JobView;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job submitted as an operator resource, followed by reading the resource every poll interval
 * (a read needs only the {@code get} verb, and a lost read costs one interval). The job has ended
 * when its Flink job is finished, failed or cancelled, when the operator gave up on the resource,
 * when it got no Flink job within the start timeout, or when its resource is gone; then the
 * resource is deleted and the outcome kept.
 *
 * <p>A read that fails (the API server restarting, throttling) is retried at the next poll while
 * the failures last less than the start timeout; the job itself is not affected by them.
 */
final class OperatorJob implements SubmittedJob {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorJob.class);

    private final KubernetesFlink target;
    private final String name;
    private final String jobName;
    private final Clock clock;
    private final Instant submitted;
    private volatile String flinkJobId;
    private Map<String, Object> result;
    private OrchestratorException failure;
    private Instant failingReadsSince;

    OperatorJob(KubernetesFlink target, String name, String jobName, Clock clock) {
        this.target = target;
        this.name = name;
        this.jobName = jobName;
        this.clock = clock;
        this.submitted = clock.instant();
    }

    @Override
    public URI restAddress() {
        return target.restAddressOf(name);
    }

    @Override
    public Optional<String> flinkJobId() {
        return Optional.ofNullable(flinkJobId);
    }

    @Override
    public Optional<Map<String, Object>> awaitResult(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration poll = target.settings().pollInterval();
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (result != null) {
                return Optional.of(result);
            }
            observe();
            if (failure != null || result != null) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            Thread.sleep(Math.max(1, Math.min(poll.toMillis(), left / 1_000_000)));
        }
    }

    /** One read of the resource; settles the outcome when the job ended. */
    private void observe() {
        Optional<GenericKubernetesResource> resource;
        try {
            resource = target.read(name);
            failingReadsSince = null;
        } catch (OrchestratorException e) {
            Instant now = clock.instant();
            if (failingReadsSince == null) {
                failingReadsSince = now;
            }
            if (Duration.between(failingReadsSince, now).compareTo(target.settings().startTimeout()) >= 0) {
                failure = new OrchestratorException("lost track of " + jobName + ": " + e.getMessage(), e);
            } else {
                LOG.warn("cannot read {} now (retrying): {}", target.describe(name), e.getMessage());
            }
            return;
        }
        if (resource.isEmpty()) {
            failure = new OrchestratorException(target.wasCancelled(name)
                    ? "cancelled: " + target.describe(name) + " was deleted to cancel " + jobName
                    : target.describe(name) + " was deleted before " + jobName + " ended");
            return;
        }
        JobView view = FlinkResources.view(resource.get());
        view.flinkJobId().ifPresent(id -> flinkJobId = id);
        if (view.finished()) {
            result = flinkJobId == null ? Map.of() : target.accumulators(name, flinkJobId);
            LOG.info("{} finished", target.describe(name));
            cleanUp();
        } else if (view.ended()) {
            failure = new OrchestratorException(jobName + " " + endedHow(view) + " (" + target.describe(name) + ")"
                    + view.error().map(e -> ": " + e).orElse(""));
            cleanUp();
        } else if (view.flinkJobId().isEmpty()
                && Duration.between(submitted, clock.instant()).compareTo(target.settings().startTimeout()) >= 0) {
            failure = new OrchestratorException(jobName + " did not start within " + target.settings().startTimeout() + " ("
                    + target.describe(name) + (view.lifecycleState().isEmpty() ? "" : " is " + view.lifecycleState()) + ")"
                    + view.error().map(e -> ": " + e).orElse(""));
            cleanUp();
        }
    }

    private static String endedHow(JobView view) {
        if (view.state().isPresent() && view.state().get().isGloballyTerminalState()) {
            return switch (view.state().get()) {
                case CANCELED -> "was cancelled";
                default -> "failed";
            };
        }
        return "failed: the operator gave up on its resource";
    }

    @Override
    public void cancel() {
        target.cancel(name);
    }

    /** The ended job's resource is deleted (an application cluster with it); a failed delete only leaves it behind. */
    private void cleanUp() {
        try {
            target.delete(name);
        } catch (OrchestratorException e) {
            LOG.warn("could not delete the ended {}: {}", target.describe(name), e.getMessage());
        }
    }
}
