package io.embedflow.orchestrator.gang.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Plays the Job controller and the kubelet against the mock API server, which runs neither: makes
 * the pods of a JobSet's Indexed Job from its pod template (labels, completion index) and moves
 * them through their phases.
 */
final class JobController {

    private final KubernetesClient client;
    private final String namespace;

    JobController(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** The JobSet's job template, read back from the server. */
    JobTemplateSpec jobTemplate(String jobSetName) {
        GenericKubernetesResource jobSet = Objects.requireNonNull(
                client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(namespace).withName(jobSetName).get(),
                "JobSet " + jobSetName);
        Object template = jobSet.get("spec", "replicatedJobs", 0, "template");
        return client.getKubernetesSerialization().convertValue(template, JobTemplateSpec.class);
    }

    /** Creates one pending pod for each completion index, as the Job controller does once the JobSet is admitted. */
    void createPods(String jobSetName) {
        JobTemplateSpec job = jobTemplate(jobSetName);
        PodTemplateSpec template = job.getSpec().getTemplate();
        for (int rank = 0; rank < job.getSpec().getCompletions(); rank++) {
            Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels());
            labels.put(GangJobSet.COMPLETION_INDEX, Integer.toString(rank));
            labels.put("jobset.sigs.k8s.io/jobset-name", jobSetName);
            client.pods().inNamespace(namespace).resource(new PodBuilder()
                    .withNewMetadata()
                        .withName(podName(jobSetName, rank))
                        .withLabels(labels)
                        .withAnnotations(Map.of(GangJobSet.COMPLETION_INDEX, Integer.toString(rank)))
                    .endMetadata()
                    .withSpec(template.getSpec())
                    .withStatus(new PodStatusBuilder().withPhase("Pending").build())
                    .build()).create();
        }
    }

    void running(String jobSetName, int rank) {
        setStatus(jobSetName, rank, new PodStatusBuilder().withPhase("Running").build());
    }

    void succeeded(String jobSetName, int rank) {
        setStatus(jobSetName, rank, terminated("Succeeded", 0, "Completed"));
    }

    void exited(String jobSetName, int rank, int exitCode, String reason) {
        setStatus(jobSetName, rank, terminated("Failed", exitCode, reason));
    }

    void unschedulable(String jobSetName, int rank) {
        setStatus(jobSetName, rank, new PodStatusBuilder().withPhase("Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable").withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").build())
                .build());
    }

    private static PodStatus terminated(String phase, int exitCode, String reason) {
        return new PodStatusBuilder().withPhase(phase)
                .withContainerStatuses(new ContainerStatusBuilder().withName(GangJobSet.CONTAINER)
                        .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason)
                        .withFinishedAt("2026-11-29T10:00:00Z").endTerminated().endState().build())
                .build();
    }

    private void setStatus(String jobSetName, int rank, PodStatus status) {
        Pod pod = client.pods().inNamespace(namespace).withName(podName(jobSetName, rank)).get();
        pod.setStatus(status);
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
    }

    /** Pods of an Indexed Job are named {@code <job>-<index>-<random>}; the random part matters not here. */
    static String podName(String jobSetName, int rank) {
        return jobSetName + "-" + GangJobSet.REPLICATED_JOB + "-0-" + rank + "-x7k2p";
    }
}
