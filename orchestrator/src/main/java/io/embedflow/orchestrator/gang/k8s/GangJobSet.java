package io.embedflow.orchestrator.gang.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders one attempt of a gang as a JobSet ({@code jobset.x-k8s.io/v1alpha2}), without a client:
 * {@link KubernetesGangLauncher} creates what {@link #jobSet} returns, and {@link #yaml} writes the
 * same object for manifests and docs.
 *
 * <p>The JobSet, named {@link #name}:
 * <ul>
 *   <li>carries the Kueue label {@value #QUEUE_LABEL}: Kueue admits the JobSet as one workload, all
 *       members or none, so a partial gang never holds GPUs while it waits for the rest;</li>
 *   <li>has one replicated job {@value #REPLICATED_JOB} (1 replica): an Indexed Job with
 *       {@code completions = parallelism = workers}, {@code backoffLimit: 0} and
 *       {@code restartPolicy: Never}, so a member that fails fails its Job and the JobSet;</li>
 *   <li>has {@code failurePolicy.maxRestarts: 0}. JobSet could restart the gang itself, but the
 *       gang runtime restarts it instead, through this launcher ({@code stop()} of the failed
 *       attempt, then {@code launch(request, attempt + 1)}): local and Kubernetes gangs then restart
 *       the same way, from the newest checkpoint, counted against the request's restart budget, and
 *       every attempt is its own object with its own name;</li>
 *   <li>sets {@code spec.network.enableDNSHostnames} and {@code subdomain} (= its name): JobSet's
 *       controller then creates, and owns, a headless Service of that name that publishes pods
 *       before they are ready, so each member resolves as
 *       {@code <jobset>-workers-0-<rank>.<subdomain>}, and the Service is deleted with the JobSet.
 *       No Service is created here: every JobSet release serving {@code v1alpha2} has this network
 *       feature, and a second Service of the same name would have two owners.</li>
 * </ul>
 * Every member gets its rank from its completion index, the world size, gang id, attempt, devices
 * and the coordinator address (rank 0's DNS name and {@link KubernetesGangOptions#coordinatorPort()})
 * as the environment variables named in {@link GangRequest}, then the request's own environment.
 * Resource requests equal limits (GPUs must, and the pods get the Guaranteed QoS class); GPUs
 * ({@value #GPU_RESOURCE}) only when the request asks for them. Pods run as non-root, without
 * privilege escalation or capabilities.
 */
public final class GangJobSet {

    /** Where JobSets live in the Kubernetes API. */
    public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup("jobset.x-k8s.io")
            .withVersion("v1alpha2")
            .withKind("JobSet")
            .withPlural("jobsets")
            .withNamespaced(true)
            .build();
    public static final String API_VERSION = "jobset.x-k8s.io/v1alpha2";
    public static final String REPLICATED_JOB = "workers";
    public static final String CONTAINER = "worker";

    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "embedflow";
    public static final String GANG_LABEL = "embedflow.io/gang";
    public static final String ATTEMPT_LABEL = "embedflow.io/gang-attempt";
    public static final String QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
    /** The annotation (and, on newer clusters, label) the Job controller gives each pod: its index, our rank. */
    public static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    public static final String GPU_RESOURCE = "nvidia.com/gpu";
    /** The pod volume of {@link KubernetesGangOptions#sharedVolume()}. */
    public static final String SHARED_VOLUME = "shared";

    private static final int MAX_DNS_LABEL = 63;
    private static final Set<String> RESERVED_ENV = Set.of(GangRequest.RANK_ENV, GangRequest.WORLD_SIZE_ENV,
            GangRequest.COORDINATOR_ENV, GangRequest.GANG_ID_ENV, GangRequest.ATTEMPT_ENV, GangRequest.DEVICES_ENV);
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private GangJobSet() {
    }

    /**
     * The name of the attempt's JobSet and its subdomain: {@code <gangId>-a<attempt>}, with {@code g-}
     * in front of a gang id that starts with a digit (a Service name must start with a letter).
     */
    public static String name(String gangId, int attempt) {
        if (attempt < 0) {
            throw new OrchestratorException("gang " + gangId + ": attempts count from 0, got " + attempt);
        }
        String prefix = Character.isDigit(gangId.charAt(0)) ? "g-" : "";
        return prefix + gangId + "-a" + attempt;
    }

    /** The host name of member {@code rank}: {@code <jobset>-workers-0-<rank>}, as JobSet and the Job controller name it. */
    public static String hostname(String gangId, int attempt, int rank) {
        return name(gangId, attempt) + "-" + REPLICATED_JOB + "-0-" + rank;
    }

    /** {@code host:port} of rank 0, through the JobSet's headless Service. */
    public static String coordinator(String gangId, int attempt, int port) {
        return hostname(gangId, attempt, 0) + "." + name(gangId, attempt) + ":" + port;
    }

    /** The labels of every object of the attempt; select its pods with them. */
    public static Map<String, String> labels(String gangId, int attempt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(GANG_LABEL, gangId);
        labels.put(ATTEMPT_LABEL, Integer.toString(attempt));
        return labels;
    }

    /**
     * The JobSet of attempt {@code attempt} of {@code request}.
     *
     * @throws OrchestratorException naming the gang when its names would be too long for Kubernetes
     *     or the request's environment sets a variable the launcher sets
     */
    public static GenericKubernetesResource jobSet(GangRequest request, int attempt, KubernetesGangOptions options) {
        String name = name(request.gangId(), attempt);
        String longestHost = hostname(request.gangId(), attempt, request.workers() - 1);
        if (longestHost.length() > MAX_DNS_LABEL) {
            throw new OrchestratorException("gang " + request.gangId() + ": the host name of its last member, " + longestHost
                    + ", is longer than " + MAX_DNS_LABEL + " characters; use a shorter gang id");
        }
        Map<String, String> labels = labels(request.gangId(), attempt);
        Map<String, String> jobSetLabels = new LinkedHashMap<>(labels);
        jobSetLabels.put(QUEUE_LABEL, options.queue());

        JobTemplateSpec job = new JobTemplateSpecBuilder()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                    .withCompletionMode("Indexed")
                    .withCompletions(request.workers())
                    .withParallelism(request.workers())
                    .withBackoffLimit(0)
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withSpec(podSpec(request, attempt, options))
                    .endTemplate()
                .endSpec()
                .build();

        Map<String, Object> replicatedJob = new LinkedHashMap<>();
        replicatedJob.put("name", REPLICATED_JOB);
        replicatedJob.put("replicas", 1);
        replicatedJob.put("template", SERIALIZATION.convertValue(job, Map.class));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("failurePolicy", Map.of("maxRestarts", 0));
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("enableDNSHostnames", true);
        network.put("subdomain", name);
        spec.put("network", network);
        spec.put("replicatedJobs", List.of(replicatedJob));

        return new GenericKubernetesResourceBuilder()
                .withApiVersion(API_VERSION)
                .withKind("JobSet")
                .withNewMetadata().withName(name).withNamespace(options.namespace()).withLabels(jobSetLabels).endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }

    /** {@link #jobSet} as a YAML document. */
    public static String yaml(GangRequest request, int attempt, KubernetesGangOptions options) {
        return SERIALIZATION.asYaml(jobSet(request, attempt, options));
    }

    private static PodSpec podSpec(GangRequest request, int attempt, KubernetesGangOptions options) {
        PodSpecBuilder pod = new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withNewSecurityContext()
                    .withRunAsNonRoot(true)
                    .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withContainers(container(request, attempt, options))
                .withNodeSelector(new TreeMap<>(options.nodeSelector()))
                .withTolerations(options.tolerations().stream().map(t -> new TolerationBuilder()
                        .withKey(t.key())
                        .withOperator(t.operator().kubernetesName())
                        .withValue(t.value().orElse(null))
                        .withEffect(t.effect().map(KubernetesGangOptions.Toleration.Effect::kubernetesName).orElse(null))
                        .build()).toList());
        options.sharedVolume().ifPresent(v -> pod.addNewVolume().withName(SHARED_VOLUME)
                .withNewPersistentVolumeClaim().withClaimName(v.claimName()).endPersistentVolumeClaim().endVolume());
        // Workers do not talk to the Kubernetes API unless the platform gives them an account for it.
        options.serviceAccount().ifPresentOrElse(pod::withServiceAccountName, () -> pod.withAutomountServiceAccountToken(false));
        return pod.build();
    }

    private static Container container(GangRequest request, int attempt, KubernetesGangOptions options) {
        Map<String, Quantity> resources = new LinkedHashMap<>();
        resources.put("cpu", new Quantity(options.cpuPerWorker()));
        resources.put("memory", new Quantity(request.memoryPerWorker()));
        if (request.devicesPerWorker() > 0) {
            resources.put(GPU_RESOURCE, new Quantity(Integer.toString(request.devicesPerWorker())));
        }
        List<String> command = new ArrayList<>(options.workerCommand());
        command.addAll(request.workerArgs());
        ContainerBuilder container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(options.image())
                .withCommand(command)
                .withEnv(env(request, attempt, options))
                .addNewPort().withName("rendezvous").withContainerPort(options.coordinatorPort()).endPort()
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withNewSecurityContext()
                    .withRunAsNonRoot(true)
                    .withAllowPrivilegeEscalation(false)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext();
        options.sharedVolume().ifPresent(v -> container.addNewVolumeMount().withName(SHARED_VOLUME)
                .withMountPath(v.mountPath()).endVolumeMount());
        options.credentialsSecret().ifPresent(secret ->
                container.withEnvFrom(new EnvFromSourceBuilder().withNewSecretRef().withName(secret).endSecretRef().build()));
        return container.build();
    }

    private static List<EnvVar> env(GangRequest request, int attempt, KubernetesGangOptions options) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName(GangRequest.RANK_ENV)
                .withNewValueFrom().withNewFieldRef()
                    .withFieldPath("metadata.annotations['" + COMPLETION_INDEX + "']")
                .endFieldRef().endValueFrom()
                .build());
        env.add(new EnvVar(GangRequest.WORLD_SIZE_ENV, Integer.toString(request.workers()), null));
        env.add(new EnvVar(GangRequest.GANG_ID_ENV, request.gangId(), null));
        env.add(new EnvVar(GangRequest.ATTEMPT_ENV, Integer.toString(attempt), null));
        env.add(new EnvVar(GangRequest.DEVICES_ENV, Integer.toString(request.devicesPerWorker()), null));
        env.add(new EnvVar(GangRequest.COORDINATOR_ENV,
                coordinator(request.gangId(), attempt, options.coordinatorPort()), null));
        for (Map.Entry<String, String> e : new TreeMap<>(request.env()).entrySet()) {
            if (RESERVED_ENV.contains(e.getKey())) {
                throw new OrchestratorException("gang " + request.gangId() + ": its environment sets " + e.getKey()
                        + ", which the launcher sets for every member");
            }
            env.add(new EnvVar(e.getKey(), e.getValue(), null));
        }
        return env;
    }
}
