package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.submit.EmbeddedFlink;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.RemoteFlink;
import io.embedflow.orchestrator.submit.k8s.KubernetesFlink;
import io.embedflow.orchestrator.submit.k8s.KubernetesFlinkOptions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where a command's Flink jobs run, shared by the commands that run them: the embedded
 * MiniCluster (default), a session cluster through its REST API ({@code --flink}), or the Flink
 * Kubernetes Operator, as {@code FlinkSessionJob}s on a session cluster ({@code --flink-deployment})
 * or as one application {@code FlinkDeployment} per job ({@code --flink-application-template}).
 * The Kubernetes client is configured the standard way: in a pod its service account, else
 * {@code KUBECONFIG} or {@code ~/.kube/config}.
 */
public final class FlinkTargetOptions {

    static final String DEFAULT_JAR_URI = "local:///opt/flink/usrlib/embedflow-pipelines-flink-job.jar";

    @Option(names = "--flink", paramLabel = "URL",
            description = "REST address of a Flink session cluster to submit to (default: an embedded MiniCluster).")
    URI flink;

    @Option(names = "--job-jar", paramLabel = "JAR", description = "Pipeline jar shipped to a remote --flink cluster.")
    Path jobJar;

    @Option(names = "--flink-deployment", paramLabel = "[NAMESPACE/]NAME",
            description = "Run jobs as FlinkSessionJobs on this session FlinkDeployment of the Flink Kubernetes Operator "
                    + "(namespace default: the Kubernetes client's).")
    String flinkDeployment;

    @Option(names = "--flink-application-template", paramLabel = "FILE",
            description = "Run each job as its own application-mode FlinkDeployment made from this template (YAML; its "
                    + "metadata.namespace, else the Kubernetes client's namespace).")
    Path applicationTemplate;

    @Option(names = "--job-jar-uri", paramLabel = "URI", defaultValue = DEFAULT_JAR_URI,
            description = "The pipeline jar as the Flink Kubernetes Operator fetches it (default: ${DEFAULT-VALUE}).")
    String jobJarUri;

    /** Whether jobs run on this process's own embedded cluster. */
    boolean embedded() {
        return flink == null && !kubernetes();
    }

    boolean kubernetes() {
        return flinkDeployment != null || applicationTemplate != null;
    }

    /** Whether the cluster's task slots can be read (a REST session cluster, a session FlinkDeployment). */
    boolean readsSlots() {
        return flink != null || flinkDeployment != null;
    }

    /** Says what was asked for when options contradict each other. */
    void validate(CommandLine command) {
        int chosen = (flink != null ? 1 : 0) + (flinkDeployment != null ? 1 : 0) + (applicationTemplate != null ? 1 : 0);
        if (chosen > 1) {
            throw new CommandLine.ParameterException(command,
                    "choose one of --flink, --flink-deployment and --flink-application-template");
        }
    }

    /** Opens the target: starts the embedded cluster with {@code embeddedSlots} slots, or connects to the chosen one. */
    FlinkTarget open(CommandLine command, int embeddedSlots) {
        validate(command);
        if (flink != null) {
            return new RemoteFlink(flink, jobJar != null ? jobJar : EmbedCommand.defaultJobJar());
        }
        if (!kubernetes()) {
            return EmbeddedFlink.start(embeddedSlots);
        }
        KubernetesClient client = new KubernetesClientBuilder().build();
        try {
            KubernetesFlinkOptions.Builder options = KubernetesFlinkOptions.builder().setJarUri(jobJarUri);
            if (flinkDeployment != null) {
                int slash = flinkDeployment.indexOf('/');
                options.setNamespace(slash < 0 ? clientNamespace(client, command) : flinkDeployment.substring(0, slash))
                        .setSessionCluster(flinkDeployment.substring(slash + 1));
            } else {
                GenericKubernetesResource template = KubernetesFlinkOptions.readTemplate(applicationTemplate);
                String namespace = template.getMetadata() != null ? template.getMetadata().getNamespace() : null;
                options.setNamespace(namespace != null ? namespace : clientNamespace(client, command))
                        .setApplicationTemplate(template);
            }
            return KubernetesFlink.owning(client, options.build());
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** What the target is, for a command's first line. */
    String describe() {
        if (flink != null) {
            return flink.toString();
        }
        if (flinkDeployment != null) {
            return "FlinkSessionJobs on FlinkDeployment " + flinkDeployment;
        }
        return applicationTemplate != null ? "application FlinkDeployments from " + applicationTemplate
                : "an embedded Flink cluster";
    }

    private static String clientNamespace(KubernetesClient client, CommandLine command) {
        String namespace = client.getNamespace();
        if (namespace == null) {
            throw new CommandLine.ParameterException(command, "no Kubernetes namespace is configured: give it as "
                    + "--flink-deployment NAMESPACE/NAME or in the template's metadata.namespace");
        }
        return namespace;
    }
}
