package io.embedflow.orchestrator.submit.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Plays the Flink Kubernetes Operator against the mock API server, which runs none: writes into a
 * job resource's {@code status} what the operator writes as the job goes along.
 */
public final class OperatorFake {

    private final KubernetesClient client;
    private final String namespace;
    private final ResourceDefinitionContext kind;

    public OperatorFake(KubernetesClient client, String namespace, ResourceDefinitionContext kind) {
        this.client = client;
        this.namespace = namespace;
        this.kind = kind;
    }

    public GenericKubernetesResource get(String name) {
        return client.genericKubernetesResources(kind).inNamespace(namespace).withName(name).get();
    }

    /** The operator deployed the job: it has a Flink job id and {@code state}. */
    public void job(String name, String flinkJobId, String state) {
        edit(name, status -> {
            Map<String, Object> jobStatus = new LinkedHashMap<>();
            jobStatus.put("jobId", flinkJobId);
            jobStatus.put("jobName", get(name).getMetadata().getAnnotations().get(FlinkResources.JOB_NAME_ANNOTATION));
            jobStatus.put("state", state);
            jobStatus.put("startTime", "1796000000000");
            status.put("jobStatus", jobStatus);
            status.put("lifecycleState", state.equals("FINISHED") || state.equals("RUNNING") ? "STABLE" : "DEPLOYED");
        });
    }

    /** The operator recorded an error ({@code status.error}, JSON as the operator writes it) and a lifecycle state. */
    public void error(String name, String type, String message, String causeType, String causeMessage, String lifecycle) {
        String json = "{\"type\":\"" + type + "\",\"message\":\"" + message + "\",\"additionalMetadata\":{},"
                + "\"throwableList\":[{\"type\":\"" + causeType + "\",\"message\":\"" + causeMessage
                + "\",\"additionalMetadata\":{}}]}";
        edit(name, status -> {
            status.put("error", json);
            status.put("lifecycleState", lifecycle);
        });
    }

    @SuppressWarnings("unchecked")
    private void edit(String name, java.util.function.Consumer<Map<String, Object>> change) {
        GenericKubernetesResource resource = Objects.requireNonNull(get(name), name);
        Map<String, Object> status = resource.getAdditionalProperties().get("status") instanceof Map<?, ?> m
                ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        change.accept(status);
        resource.setAdditionalProperty("status", status);
        client.genericKubernetesResources(kind).inNamespace(namespace).resource(resource).updateStatus();
    }
}
