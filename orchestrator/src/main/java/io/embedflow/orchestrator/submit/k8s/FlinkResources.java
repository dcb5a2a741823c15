package io.embedflow.orchestrator.submit.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.JobSubmission;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobStatus;

/**
 * The Flink Kubernetes Operator's resources as {@link KubernetesFlink} writes and reads them,
 * without a client: a job becomes a {@code FlinkSessionJob} on a session cluster, or an
 * application-mode {@code FlinkDeployment} made from a template, and what the operator writes
 * into their {@code status} is read back as a {@link JobView}.
 *
 * <p>Each resource is named after its job ({@link #resourceName}), carries the label
 * {@value #MANAGED_BY_LABEL}{@code =}{@value #MANAGED_BY} and the job's exact name in the
 * annotation {@value #JOB_NAME_ANNOTATION}. Its job runs the pipeline jar's main class with the
 * job's arguments, {@code upgradeMode: stateless} (a batch job has no state worth a savepoint).
 */
public final class FlinkResources {

    public static final String API_VERSION = "flink.apache.org/v1beta1";
    public static final String DEPLOYMENT_KIND = "FlinkDeployment";
    public static final String SESSION_JOB_KIND = "FlinkSessionJob";
    public static final ResourceDefinitionContext DEPLOYMENTS = context(DEPLOYMENT_KIND, "flinkdeployments");
    public static final ResourceDefinitionContext SESSION_JOBS = context(SESSION_JOB_KIND, "flinksessionjobs");

    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "embedflow";
    public static final String JOB_NAME_ANNOTATION = "embedflow.io/job-name";
    /** The Flink configuration key of a task manager's slots, and its default. */
    static final String SLOTS_KEY = "taskmanager.numberOfTaskSlots";

    /** Longest resource name: an application deployment's name prefixes its Services' names (at most 63). */
    private static final int MAX_NAME = 45;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private FlinkResources() {
    }

    private static ResourceDefinitionContext context(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup("flink.apache.org").withVersion("v1beta1").withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /**
     * The resource name of job {@code jobName}: lower case, runs of other characters as one '-',
     * starting with a letter; a name longer than {@value #MAX_NAME} keeps its start and a hash of the whole.
     */
    public static String resourceName(String jobName) {
        String name = jobName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (name.isEmpty() || !Character.isLetter(name.charAt(0))) {
            name = "job-" + name;
        }
        if (name.length() > MAX_NAME) {
            String hash = sha256(jobName).substring(0, 10);
            name = name.substring(0, MAX_NAME - hash.length() - 1).replaceAll("-+$", "") + "-" + hash;
        }
        return name;
    }

    /** The {@code FlinkSessionJob} that runs {@code job} on the session cluster {@code deployment}. */
    static GenericKubernetesResource sessionJob(JobSubmission job, String namespace, String deployment, String jarUri) {
        GenericKubernetesResource resource = new GenericKubernetesResource();
        resource.setApiVersion(API_VERSION);
        resource.setKind(SESSION_JOB_KIND);
        resource.setMetadata(metadata(job, namespace));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("deploymentName", deployment);
        spec.put("job", jobSpec(job, jarUri));
        resource.setAdditionalProperty("spec", spec);
        return resource;
    }

    /** The application-mode {@code FlinkDeployment} of {@code job}: {@code template} with the job's name, labels and job. */
    @SuppressWarnings("unchecked")
    static GenericKubernetesResource applicationDeployment(JobSubmission job, String namespace,
            GenericKubernetesResource template, String jarUri) {
        GenericKubernetesResource resource = SERIALIZATION.clone(template);
        var meta = metadata(job, namespace);
        if (template.getMetadata() != null) {
            // the template's own labels and annotations stay, ours are added
            Map<String, String> labels = new LinkedHashMap<>(orEmpty(template.getMetadata().getLabels()));
            labels.putAll(meta.getLabels());
            meta.setLabels(labels);
            Map<String, String> annotations = new LinkedHashMap<>(orEmpty(template.getMetadata().getAnnotations()));
            annotations.putAll(meta.getAnnotations());
            meta.setAnnotations(annotations);
        }
        resource.setMetadata(meta);
        Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) resource.getAdditionalProperties().get("spec"));
        spec.put("job", jobSpec(job, jarUri));
        resource.setAdditionalProperty("spec", spec);
        return resource;
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }

    private static io.fabric8.kubernetes.api.model.ObjectMeta metadata(JobSubmission job, String namespace) {
        return new ObjectMetaBuilder()
                .withName(resourceName(job.jobName()))
                .withNamespace(namespace)
                .withLabels(new LinkedHashMap<>(Map.of(MANAGED_BY_LABEL, MANAGED_BY)))
                .withAnnotations(new LinkedHashMap<>(Map.of(JOB_NAME_ANNOTATION, job.jobName())))
                .build();
    }

    private static Map<String, Object> jobSpec(JobSubmission job, String jarUri) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("jarURI", jarUri);
        spec.put("entryClass", job.entryClass());
        spec.put("args", new ArrayList<>(job.args()));
        spec.put("parallelism", job.parallelism());
        spec.put("upgradeMode", "stateless");
        spec.put("state", "running");
        return spec;
    }

    /**
     * What a job's resource says of it.
     *
     * @param resourceName the resource's name, the job's handle on a {@link KubernetesFlink}
     * @param jobName the job's name (its annotation)
     * @param flinkJobId the Flink job id, once the operator reports one
     * @param state the Flink job's state, once the operator reports one
     * @param lifecycleState the operator's lifecycle state of the resource ({@code FAILED} when it gave up on it)
     * @param error the operator's newest error about the resource, as one text
     * @param created when the resource was created
     * @param startTime when the Flink job started (epoch ms), 0 while unknown
     */
    public record JobView(String resourceName, String jobName, Optional<String> flinkJobId, Optional<JobStatus> state,
            String lifecycleState, Optional<String> error, Instant created, long startTime) {

        /** The job ended for good: finished, failed, cancelled, or its resource failed. */
        public boolean ended() {
            return state.map(JobStatus::isGloballyTerminalState).orElse(false) || resourceFailed();
        }

        public boolean finished() {
            return state.orElse(null) == JobStatus.FINISHED;
        }

        /** The operator gave up on the resource itself (a cluster that cannot be deployed, a jar that cannot be run). */
        public boolean resourceFailed() {
            return "FAILED".equals(lifecycleState) && !finished();
        }

        /** As a {@link io.embedflow.orchestrator.submit.FlinkTarget}'s job: the resource name is its id; a job not started yet is {@code INITIALIZING}. */
        public FlinkJob toFlinkJob() {
            JobStatus s = state.orElse(JobStatus.INITIALIZING);
            if (resourceFailed() && !s.isGloballyTerminalState()) {
                s = JobStatus.FAILED;
            }
            return new FlinkJob(resourceName, jobName, s, startTime > 0 ? startTime : created.toEpochMilli());
        }
    }

    /** Reads the status the operator wrote into {@code resource}. */
    @SuppressWarnings("unchecked")
    public static JobView view(GenericKubernetesResource resource) {
        Map<String, Object> status = resource.getAdditionalProperties().get("status") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : Map.of();
        Map<String, Object> jobStatus = status.get("jobStatus") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        String name = resource.getMetadata().getName();
        Map<String, String> annotations = orEmpty(resource.getMetadata().getAnnotations());
        Optional<JobStatus> state = text(jobStatus.get("state")).flatMap(FlinkResources::jobStatus);
        return new JobView(name, annotations.getOrDefault(JOB_NAME_ANNOTATION, name), text(jobStatus.get("jobId")), state,
                text(status.get("lifecycleState")).orElse(""), text(status.get("error")).map(FlinkResources::describeError),
                created(resource), text(jobStatus.get("startTime")).map(FlinkResources::millis).orElse(0L));
    }

    private static Optional<String> text(Object value) {
        return value == null || value.toString().isBlank() ? Optional.empty() : Optional.of(value.toString());
    }

    private static Optional<JobStatus> jobStatus(String state) {
        try {
            return Optional.of(JobStatus.valueOf(state.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();   // e.g. RECONCILING: not a Flink job state, the job is not there yet
        }
    }

    private static long millis(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Instant created(GenericKubernetesResource resource) {
        String created = resource.getMetadata().getCreationTimestamp();
        try {
            return created == null ? Instant.EPOCH : Instant.parse(created);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * The operator's {@code status.error} as one text: it is JSON ({@code type}, {@code message},
     * {@code throwableList} of causes), kept as given when it is not.
     */
    static String describeError(String error) {
        JsonNode node;
        try {
            node = JSON.readTree(error);
        } catch (IOException notJson) {
            return error;
        }
        if (node == null || !node.isObject()) {
            return error;
        }
        List<String> parts = new ArrayList<>();
        parts.add(typeAndMessage(node));
        for (JsonNode cause : node.path("throwableList")) {
            String part = typeAndMessage(cause);
            if (!parts.contains(part)) {
                parts.add(part);
            }
        }
        return String.join("; caused by ", parts);
    }

    private static String typeAndMessage(JsonNode node) {
        String type = node.path("type").asText("");
        String message = node.path("message").asText("");
        return type.isEmpty() ? message : message.isEmpty() ? type : type + ": " + message;
    }

    /** The task slots of session cluster {@code deployment}: task manager replicas times slots per task manager. */
    @SuppressWarnings("unchecked")
    static int sessionSlots(GenericKubernetesResource deployment) {
        Map<String, Object> spec = deployment.getAdditionalProperties().get("spec") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : Map.of();
        Map<String, Object> taskManager = spec.get("taskManager") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> conf = spec.get("flinkConfiguration") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        int replicas = positive(taskManager.get("replicas"), 1);
        int slots = positive(conf.get(SLOTS_KEY), 1);
        return replicas * slots;
    }

    private static int positive(Object value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value.toString().trim());
            return n > 0 ? n : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
