package io.embedflow.orchestrator.submit.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.FlinkRest;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.JobSubmission;
import io.embedflow.orchestrator.submit.SubmittedJob;
import io.embedflow.orchestrator.submit.k8s.FlinkResources.JobView;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink cluster of the Flink Kubernetes Operator, reached through its custom resources: each job
 * is a {@code FlinkSessionJob} on a session cluster, or its own application-mode
 * {@code FlinkDeployment} made from a template ({@link KubernetesFlinkOptions}; {@link FlinkResources}
 * says what the resources hold). The operator fetches the pipeline jar and runs its main class,
 * which plans and submits the job on the cluster, so nothing is built here.
 *
 * <p>A job is followed through its resource's {@code status} until the Flink job ended or the
 * operator gave up on the resource, and then its resource is deleted (an application cluster goes
 * with it). {@link #cancel} deletes the resource, which makes the operator cancel the job. A job's
 * id on this target ({@link FlinkJob#id()}) is its resource's name, known from the moment it is
 * submitted; {@link #job} and {@link #cancel} also take the Flink job id.
 *
 * <p>Failures keep the operator's account ({@code status.error}, with its causes), so the
 * scheduler's {@code FailureClassifier} sorts them as it sorts any Flink failure; a resource that
 * disappears under a running job reads as lost resources, and a refused call to the Kubernetes API
 * says its HTTP status. Thread-safe; the calls block for one or two calls to the API server.
 *
 * <pre>{@code
 * try (KubernetesFlink flink = KubernetesFlink.connect(options)) {
 *     new RefreshRunner(metadata, registry).run(request, flink, ProgressListener.NONE);
 * }
 * }</pre>
 */
public final class KubernetesFlink implements FlinkTarget {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesFlink.class);
    /** How long an ended job's final figures are waited for on its REST endpoint. */
    private static final java.time.Duration FINAL_FIGURES_WAIT = java.time.Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final KubernetesFlinkOptions options;
    private final Clock clock;
    /** Resources this target deleted to cancel their job, so following them reads as a cancellation. */
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    /** Uses {@code client}, which stays the caller's to close. */
    public KubernetesFlink(KubernetesClient client, KubernetesFlinkOptions options, Clock clock) {
        this(client, false, options, clock);
    }

    private KubernetesFlink(KubernetesClient client, boolean ownsClient, KubernetesFlinkOptions options, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A target with its own client, configured the standard way (in a pod: its service account; else
     * {@code KUBECONFIG} or {@code ~/.kube/config}); {@link #close()} closes it.
     */
    public static KubernetesFlink connect(KubernetesFlinkOptions options) {
        return owning(new KubernetesClientBuilder().build(), options);
    }

    /** A target that takes {@code client} over: {@link #close()} closes it. */
    public static KubernetesFlink owning(KubernetesClient client, KubernetesFlinkOptions options) {
        return new KubernetesFlink(client, true, options, Clock.systemUTC());
    }

    public KubernetesFlinkOptions options() {
        return options;
    }

    /**
     * The session cluster's REST endpoint: the one configured, else the operator's REST Service of the
     * session cluster. In application mode, where each job has its own, the Kubernetes namespace the
     * deployments are made in ({@code k8s://<namespace>/flinkdeployments}), for messages.
     */
    @Override
    public URI restAddress() {
        return options.restAddress().orElseGet(() -> options.sessionCluster().map(this::serviceAddress)
                .orElse(URI.create("k8s://" + options.namespace() + "/flinkdeployments")));
    }

    /** Where the REST API of the job whose resource is {@code name} is read. */
    URI restAddressOf(String name) {
        return options.restAddress().orElseGet(() -> serviceAddress(options.sessionCluster().orElse(name)));
    }

    private URI serviceAddress(String cluster) {
        return URI.create("http://" + cluster + "-rest." + options.namespace() + ":8081");
    }

    /** Not supported: jobs are built on the cluster from the pipeline jar, never by a client here. */
    @Override
    public Configuration clientConfiguration() {
        throw new OrchestratorException("jobs on the Flink Kubernetes Operator are submitted as resources, not by a client");
    }

    @Override
    public SubmittedJob submit(JobSubmission job) {
        GenericKubernetesResource resource = options.sessionCluster()
                .map(deployment -> FlinkResources.sessionJob(job, options.namespace(), deployment, options.jarUri()))
                .orElseGet(() -> FlinkResources.applicationDeployment(job, options.namespace(),
                        options.applicationTemplate().orElseThrow(), options.jarUri()));
        String name = resource.getMetadata().getName();
        try {
            resources().resource(resource).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw apiFailure("could not create " + describe(name) + " for " + job.jobName(), e);
            }
            replaceEnded(job, resource);
        }
        LOG.info("submitted {} as {}", job.jobName(), describe(name));
        return new OperatorJob(this, name, job.jobName(), clock);
    }

    /** A resource of the same name is there: an earlier attempt's that ended may be replaced, a running one may not. */
    private void replaceEnded(JobSubmission job, GenericKubernetesResource resource) {
        String name = resource.getMetadata().getName();
        GenericKubernetesResource existing = read(name).orElse(null);
        if (existing != null && !FlinkResources.view(existing).ended()) {
            throw new OrchestratorException(describe(name) + " already runs " + job.jobName() + "; cancel it before "
                    + "submitting the job again");
        }
        try {
            if (existing != null) {
                resources().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            }
            resources().resource(resource).create();
        } catch (KubernetesClientException e) {
            throw apiFailure("could not replace the ended " + describe(name) + " for " + job.jobName(), e);
        }
    }

    @Override
    public Optional<FlinkJob> findJob(String name) {
        try {
            return resources().withLabel(FlinkResources.MANAGED_BY_LABEL, FlinkResources.MANAGED_BY).list().getItems().stream()
                    .map(FlinkResources::view)
                    .filter(view -> view.jobName().equals(name))
                    .max(Comparator.comparing(JobView::created))
                    .map(JobView::toFlinkJob);
        } catch (KubernetesClientException e) {
            throw apiFailure("could not list the " + kind() + "s in namespace " + options.namespace(), e);
        }
    }

    @Override
    public Optional<FlinkJob> job(String jobId) {
        return resourceOf(jobId).map(FlinkResources::view).map(JobView::toFlinkJob);
    }

    /** Deletes the job's resource; the operator then cancels its Flink job (and stops an application cluster). */
    @Override
    public boolean cancel(String jobId) {
        Optional<GenericKubernetesResource> resource = resourceOf(jobId);
        if (resource.isEmpty()) {
            return false;
        }
        String name = resource.get().getMetadata().getName();
        cancelled.add(name);
        delete(name);
        LOG.info("cancelled {} by deleting it", describe(name));
        return true;
    }

    @Override
    public String describeJob(FlinkJob job) {
        return describe(job.id());
    }

    /** Deletes the resource of an ended job (a followed job's is deleted when it ends; one left by an earlier serve is not). */
    @Override
    public void discard(String jobId) {
        resourceOf(jobId).map(r -> r.getMetadata().getName()).ifPresent(this::delete);
    }

    @Override
    public Optional<String> failure(String jobId) {
        return resourceOf(jobId).map(FlinkResources::view).flatMap(JobView::error);
    }

    /**
     * The session cluster's task slots (task manager replicas times {@code taskmanager.numberOfTaskSlots});
     * empty in application mode, where each job brings its own cluster.
     */
    @Override
    public OptionalInt totalSlots() {
        if (options.sessionCluster().isEmpty()) {
            return OptionalInt.empty();
        }
        String name = options.sessionCluster().get();
        GenericKubernetesResource deployment;
        try {
            deployment = client.genericKubernetesResources(FlinkResources.DEPLOYMENTS).inNamespace(options.namespace())
                    .withName(name).get();
        } catch (KubernetesClientException e) {
            throw apiFailure("could not read FlinkDeployment " + options.namespace() + "/" + name, e);
        }
        if (deployment == null) {
            throw new OrchestratorException("the session cluster FlinkDeployment " + options.namespace() + "/" + name
                    + " does not exist");
        }
        return OptionalInt.of(FlinkResources.sessionSlots(deployment));
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    // ---- what OperatorJob follows with ----

    Optional<GenericKubernetesResource> read(String name) {
        try {
            return Optional.ofNullable(resources().withName(name).get());
        } catch (KubernetesClientException e) {
            throw apiFailure("could not read " + describe(name), e);
        }
    }

    void delete(String name) {
        try {
            resources().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            throw apiFailure("could not delete " + describe(name), e);
        }
    }

    boolean wasCancelled(String name) {
        return cancelled.contains(name);
    }

    /**
     * The accumulators of Flink job {@code flinkJobId} of resource {@code name}, when its REST endpoint
     * answers. The REST API serves a job from a cache for a few seconds ({@code web.refresh-interval}),
     * so a job that just ended may still read as running there: its final figures are waited for, a
     * bounded while.
     */
    Map<String, Object> accumulators(String name, String flinkJobId) {
        FlinkRest rest = new FlinkRest(restAddressOf(name));
        try {
            long deadline = System.nanoTime() + FINAL_FIGURES_WAIT.toNanos();
            while (rest.job(flinkJobId).map(job -> !job.isTerminal()).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            return rest.accumulators(flinkJobId).orElse(Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (OrchestratorException unreachable) {
            LOG.warn("could not read the accumulators of job {}: {}", flinkJobId, unreachable.getMessage());
            return Map.of();
        }
    }

    KubernetesFlinkOptions settings() {
        return options;
    }

    String describe(String name) {
        return kind() + " " + options.namespace() + "/" + name;
    }

    private String kind() {
        return options.sessionCluster().isPresent() ? FlinkResources.SESSION_JOB_KIND : FlinkResources.DEPLOYMENT_KIND;
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
            resourcesOfKind() {
        return client.genericKubernetesResources(options.sessionCluster().isPresent() ? FlinkResources.SESSION_JOBS
                : FlinkResources.DEPLOYMENTS);
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> resources() {
        return resourcesOfKind().inNamespace(options.namespace());
    }

    /** The resource of a job known by its resource name or its Flink job id. */
    private Optional<GenericKubernetesResource> resourceOf(String jobId) {
        Optional<GenericKubernetesResource> byName = isResourceName(jobId) ? read(jobId) : Optional.empty();
        if (byName.isPresent()) {
            return byName;
        }
        try {
            return resources().withLabel(FlinkResources.MANAGED_BY_LABEL, FlinkResources.MANAGED_BY).list().getItems().stream()
                    .filter(r -> FlinkResources.view(r).flinkJobId().filter(jobId::equals).isPresent())
                    .findFirst();
        } catch (KubernetesClientException e) {
            throw apiFailure("could not list the " + kind() + "s in namespace " + options.namespace(), e);
        }
    }

    private static boolean isResourceName(String id) {
        return id.matches("[a-z]([-a-z0-9]*[a-z0-9])?") && id.length() <= 253;
    }

    /**
     * A failed call to the Kubernetes API, saying its HTTP status: 429 and 5xx read as passing (the
     * classifier retries them), a refusal (403 without the RBAC verb, 422 invalid) as fatal.
     */
    static OrchestratorException apiFailure(String action, KubernetesClientException e) {
        String answer = e.getCode() > 0 ? "the Kubernetes API answered with status code " + e.getCode()
                + (e.getStatus() != null && e.getStatus().getMessage() != null ? ": " + e.getStatus().getMessage() : "")
                : "the Kubernetes API could not be reached: " + (e.getCause() != null ? e.getCause() : e.getMessage());
        return new OrchestratorException(action + "; " + answer, e);
    }
}
