package io.embedflow.orchestrator.gang.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.GangStatus;
import io.embedflow.orchestrator.gang.LaunchedGang;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One attempt of a gang on Kubernetes: its JobSet and the pods the JobSet's Job made. Status is one
 * read of the JobSet and one list of the attempt's pods (by label), judged by
 * {@link AttemptObservation}.
 *
 * <p>The join timeout runs from admission: while Kueue holds the JobSet (suspended), the gang waits
 * in the queue and is RUNNING; the clock starts when a status call first sees it admitted (at
 * launch when it was never suspended) and starts again after Kueue evicted and re-admitted it. A
 * member has joined here once its pod runs; whether it reached the rendezvous is for the members to
 * find out (a member that gives up exits non-zero, which fails the attempt).
 *
 * <p>Threading: {@link #status()} and {@link #stop()} may be called from any thread; the join
 * clock is guarded by this object.
 */
final class KubernetesLaunchedGang implements LaunchedGang {

    private final KubernetesClient client;
    private final KubernetesGangOptions options;
    private final GangRequest request;
    private final int attempt;
    private final String name;
    private final Clock clock;
    /** When members could start (the JobSet was seen admitted); null while it is suspended. */
    private Instant admittedAt;
    private volatile boolean stopped;

    KubernetesLaunchedGang(KubernetesClient client, KubernetesGangOptions options, GangRequest request, int attempt,
            GenericKubernetesResource created, Clock clock) {
        this.client = client;
        this.options = options;
        this.request = request;
        this.attempt = attempt;
        this.name = created.getMetadata().getName();
        this.clock = clock;
        this.admittedAt = new AttemptObservation(request, created, List.of()).suspended() ? null : clock.instant();
    }

    /**
     * @throws OrchestratorException when the Kubernetes API cannot be read; the attempt may well be
     *     fine, so a caller that polls may try again
     */
    @Override
    public GangStatus status() {
        if (stopped) {
            return GangStatus.failed(-1, "gang " + request.gangId() + " attempt " + attempt + " was stopped");
        }
        try {
            GenericKubernetesResource jobSet = client.genericKubernetesResources(GangJobSet.CONTEXT)
                    .inNamespace(options.namespace()).withName(name).get();
            if (jobSet == null) {
                return GangStatus.failed(-1, "JobSet " + options.namespace() + "/" + name + " of gang " + request.gangId()
                        + " was deleted by someone else");
            }
            AttemptObservation observation = new AttemptObservation(request, jobSet, pods().list().getItems());
            return observation.status(joined(observation.suspended()));
        } catch (KubernetesClientException e) {
            throw new OrchestratorException("could not read the state of gang " + request.gangId() + " attempt " + attempt
                    + " (JobSet " + options.namespace() + "/" + name + "): " + e.getMessage(), e);
        }
    }

    private synchronized Optional<Duration> joined(boolean suspended) {
        Instant now = clock.instant();
        if (suspended) {
            admittedAt = null;
            return Optional.empty();
        }
        if (admittedAt == null) {
            admittedAt = now;
        }
        return Optional.of(Duration.between(admittedAt, now));
    }

    /**
     * Deletes the JobSet in the foreground (its Jobs and their pods go with it) and the attempt's pods
     * directly (so none waits for the garbage collector), then waits, up to
     * {@link KubernetesGangOptions#stopTimeout()}, until no pod of the attempt runs.
     *
     * @throws OrchestratorException when the API refuses, or pods still run after the stop timeout
     */
    @Override
    public void stop() {
        stopped = true;
        try {
            client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(options.namespace()).withName(name)
                    .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
            pods().withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            throw new OrchestratorException("could not stop gang " + request.gangId() + " attempt " + attempt + " (JobSet "
                    + options.namespace() + "/" + name + "): " + e.getMessage(), e);
        }
        awaitNoneRunning();
    }

    private void awaitNoneRunning() {
        CompletableFuture<List<Pod>> ended = pods().informOnCondition(pods -> pods.stream().allMatch(KubernetesLaunchedGang::ended));
        try {
            ended.get(options.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            String running = pods().list().getItems().stream().filter(p -> !ended(p)).map(p -> p.getMetadata().getName())
                    .sorted().collect(Collectors.joining(", "));
            throw new OrchestratorException("gang " + request.gangId() + " attempt " + attempt + ": pods still running "
                    + AttemptObservation.human(options.stopTimeout()) + " after the stop: " + running, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrchestratorException("interrupted while stopping gang " + request.gangId() + " attempt " + attempt, e);
        } catch (ExecutionException e) {
            throw new OrchestratorException("could not watch the pods of gang " + request.gangId() + " attempt " + attempt
                    + " while stopping it: " + e.getCause().getMessage(), e.getCause());
        } finally {
            ended.cancel(true);
        }
    }

    /** A pod that runs no member any more: it finished (deleted pods are not listed at all). */
    private static boolean ended(Pod pod) {
        String phase = pod.getStatus() != null ? pod.getStatus().getPhase() : null;
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private FilterWatchListDeletable<Pod, PodList, PodResource> pods() {
        return client.pods().inNamespace(options.namespace()).withLabels(GangJobSet.labels(request.gangId(), attempt));
    }

    @Override
    public String toString() {
        return "gang " + request.gangId() + " attempt " + attempt + " (JobSet " + options.namespace() + "/" + name + ")";
    }
}
