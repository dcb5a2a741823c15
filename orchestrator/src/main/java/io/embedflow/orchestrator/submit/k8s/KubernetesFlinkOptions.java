package io.embedflow.orchestrator.submit.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how {@link KubernetesFlink} runs jobs through the Flink Kubernetes Operator. Validated
 * on construction, immutable.
 *
 * <pre>{@code
 * KubernetesFlinkOptions session = KubernetesFlinkOptions.builder()
 *         .setNamespace("embedflow")
 *         .setSessionCluster("embedflow-flink")                 // jobs become FlinkSessionJobs on it
 *         .setJarUri("local:///opt/flink/usrlib/embedflow-pipelines-flink-job.jar")
 *         .build();
 * KubernetesFlinkOptions perRun = KubernetesFlinkOptions.builder()
 *         .setNamespace("embedflow")
 *         .setApplicationTemplate(KubernetesFlinkOptions.readTemplate(Path.of("/etc/embedflow/flink-application.yaml")))
 *         .setJarUri("local:///opt/flink/usrlib/embedflow-pipelines-flink-job.jar")
 *         .build();
 * }</pre>
 *
 * @param namespace the namespace of the session cluster, or of the application deployments
 * @param sessionCluster the session cluster's {@code FlinkDeployment}: each job is a
 *     {@code FlinkSessionJob} on it; empty in application mode
 * @param applicationTemplate in application mode, the {@code FlinkDeployment} each job's own
 *     cluster is made from (image, Flink version and configuration, job and task manager resources,
 *     pod templates); the job's name, labels and {@code spec.job} are filled in per job
 * @param jarUri the pipeline jar as the operator fetches it ({@code local:///…} inside the image,
 *     {@code https://…}, {@code s3://…})
 * @param restAddress the Flink REST endpoint a running job's progress and accumulators are read from;
 *     empty: the operator's REST Service of the job's cluster, {@code http://<cluster>-rest.<namespace>:8081}
 *     (reachable from inside the Kubernetes cluster). Where it cannot be reached, the job is followed
 *     through its resource alone, without progress or accumulators
 * @param pollInterval how often a followed job's resource is read
 * @param startTimeout how long a job may take to get a Flink job id (its cluster started, its jar
 *     fetched, its main run) before the submission counts as failed
 */
public record KubernetesFlinkOptions(String namespace, Optional<String> sessionCluster,
        Optional<GenericKubernetesResource> applicationTemplate, String jarUri, Optional<URI> restAddress,
        Duration pollInterval, Duration startTimeout) {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_1035 = Pattern.compile("[a-z]([-a-z0-9]{0,43}[a-z0-9])?");

    public KubernetesFlinkOptions {
        if (namespace == null || !DNS_LABEL.matcher(namespace).matches()) {
            throw new OrchestratorException("the namespace must be a Kubernetes name (lower-case letters, digits, '-'), got '"
                    + namespace + "'");
        }
        Objects.requireNonNull(sessionCluster, "sessionCluster");
        Objects.requireNonNull(applicationTemplate, "applicationTemplate");
        if (sessionCluster.isPresent() == applicationTemplate.isPresent()) {
            throw new OrchestratorException("choose one: a session cluster to run FlinkSessionJobs on, or an application "
                    + "template to run each job as its own FlinkDeployment");
        }
        sessionCluster.ifPresent(name -> {
            if (!DNS_1035.matcher(name).matches()) {
                throw new OrchestratorException("the session cluster must be the name of a FlinkDeployment (lower-case "
                        + "letters, digits, '-', starting with a letter, at most 45 characters), got '" + name + "'");
            }
        });
        applicationTemplate = applicationTemplate.map(KubernetesFlinkOptions::checkTemplate);
        if (jarUri == null || jarUri.isBlank() || jarUri.chars().anyMatch(Character::isWhitespace)) {
            throw new OrchestratorException("the pipeline jar URI must be a URI the operator can fetch, e.g. "
                    + "local:///opt/flink/usrlib/embedflow-pipelines-flink-job.jar, got '" + jarUri + "'");
        }
        Objects.requireNonNull(restAddress, "restAddress");
        requirePositive("poll interval", pollInterval);
        requirePositive("start timeout", startTimeout);
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new OrchestratorException("the " + what + " must be longer than zero, got " + d);
        }
    }

    /** A copy of the template, checked: a FlinkDeployment of the operator's API, without a job of its own. */
    private static GenericKubernetesResource checkTemplate(GenericKubernetesResource template) {
        String what = "the application template";
        if (!FlinkResources.DEPLOYMENT_KIND.equals(template.getKind())
                || !FlinkResources.API_VERSION.equals(template.getApiVersion())) {
            throw new OrchestratorException(what + " must be a " + FlinkResources.API_VERSION + " "
                    + FlinkResources.DEPLOYMENT_KIND + ", got " + template.getApiVersion() + " " + template.getKind());
        }
        Object spec = template.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> specMap)) {
            throw new OrchestratorException(what + " has no 'spec'");
        }
        for (String field : new String[] {"image", "flinkVersion"}) {
            if (!(specMap.get(field) instanceof String s) || s.isBlank()) {
                throw new OrchestratorException(what + " needs 'spec." + field + "'");
            }
        }
        if (specMap.containsKey("job")) {
            throw new OrchestratorException(what + " must not have 'spec.job': each job's is filled in when it is submitted");
        }
        KubernetesSerialization serialization = new KubernetesSerialization();
        return serialization.clone(template);
    }

    /**
     * Reads an application template from a YAML file (one {@code FlinkDeployment}).
     *
     * @throws OrchestratorException naming the file when it cannot be read or is not a template
     */
    public static GenericKubernetesResource readTemplate(Path file) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new OrchestratorException("cannot read the application template " + file + ": " + e.getMessage(), e);
        }
        try {
            GenericKubernetesResource template = new KubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
            if (template == null) {
                throw new OrchestratorException("the application template " + file + " is empty");
            }
            checkTemplate(template);
            return template;
        } catch (OrchestratorException e) {
            throw new OrchestratorException(file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new OrchestratorException("the application template " + file + " is not a Kubernetes object in YAML: "
                    + e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code setX} for what is required (namespace, one of the two modes, jar URI), {@code optX} for the rest. */
    public static final class Builder {
        private String namespace;
        private String sessionCluster;
        private GenericKubernetesResource applicationTemplate;
        private String jarUri;
        private URI restAddress;
        private Duration pollInterval = Duration.ofSeconds(2);
        private Duration startTimeout = Duration.ofMinutes(10);

        private Builder() {
        }

        public Builder setNamespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** Runs jobs as FlinkSessionJobs on the session cluster {@code deploymentName}. */
        public Builder setSessionCluster(String deploymentName) {
            this.sessionCluster = deploymentName;
            return this;
        }

        /** Runs each job as its own application-mode FlinkDeployment made from {@code template}. */
        public Builder setApplicationTemplate(GenericKubernetesResource template) {
            this.applicationTemplate = template;
            return this;
        }

        public Builder setJarUri(String jarUri) {
            this.jarUri = jarUri;
            return this;
        }

        public Builder optRestAddress(URI restAddress) {
            this.restAddress = restAddress;
            return this;
        }

        /** Default 2 s. */
        public Builder optPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /** Default 10 min. */
        public Builder optStartTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        public KubernetesFlinkOptions build() {
            return new KubernetesFlinkOptions(namespace, Optional.ofNullable(sessionCluster),
                    Optional.ofNullable(applicationTemplate), jarUri, Optional.ofNullable(restAddress), pollInterval,
                    startTimeout);
        }
    }
}
