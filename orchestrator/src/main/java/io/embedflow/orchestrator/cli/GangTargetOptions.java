package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.gang.k8s.KubernetesGangLauncher;
import io.embedflow.orchestrator.gang.k8s.KubernetesGangOptions;
import io.embedflow.orchestrator.gang.k8s.KubernetesGangOptions.Toleration;
import io.embedflow.orchestrator.train.TrainRunner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where a training gang runs: worker JVMs on this machine (default), or one JobSet per attempt on
 * Kubernetes, admitted by a Kueue LocalQueue as a whole ({@code --gang-queue}). Workers on
 * Kubernetes get the orchestrator's home on a shared volume at the same path, since the plan, the
 * base snapshot and the trained model are paths there. The client is configured the standard way.
 */
public final class GangTargetOptions {

    @Option(names = "--gang-queue", paramLabel = "[NAMESPACE/]QUEUE",
            description = "Run the gang on Kubernetes as a JobSet admitted by this Kueue LocalQueue (namespace default: the "
                    + "Kubernetes client's).")
    String queue;

    @Option(names = "--worker-image", paramLabel = "IMAGE",
            description = "With --gang-queue: the image workers run `embedflow gang-worker` in.")
    String image;

    @Option(names = "--shared-volume", paramLabel = "CLAIM", defaultValue = "embedflow-data",
            description = "With --gang-queue: the ReadWriteMany claim holding this orchestrator's home, mounted at the home's "
                    + "path in every worker (default: ${DEFAULT-VALUE}).")
    String sharedVolume;

    @Option(names = "--worker-cpu", paramLabel = "CPU", defaultValue = "4",
            description = "With --gang-queue: CPU per worker, requested and limited (default: ${DEFAULT-VALUE}).")
    String cpu;

    @Option(names = "--node-selector", paramLabel = "KEY=VALUE",
            description = "With --gang-queue: a node label workers need, e.g. nvidia.com/gpu.present=true (repeatable).")
    Map<String, String> nodeSelector = new LinkedHashMap<>();

    @Option(names = "--toleration", paramLabel = "TAINT",
            description = "With --gang-queue: a NoSchedule taint workers tolerate, e.g. nvidia.com/gpu (repeatable).")
    List<String> tolerations = new ArrayList<>();

    @Option(names = "--credentials-secret", paramLabel = "SECRET",
            description = "With --gang-queue: a Secret whose keys become workers' environment (e.g. AWS credentials).")
    String credentialsSecret;

    @Option(names = "--worker-service-account", paramLabel = "NAME",
            description = "With --gang-queue: the workers' service account (e.g. one with an IAM role); default: none mounted.")
    String serviceAccount;

    /** The launchers of the chosen place; {@code home} is the orchestrator's home, mounted at the same path in workers. */
    TrainRunner.Launchers launchers(CommandLine command, Path home) {
        if (queue == null) {
            if (image != null) {
                throw new CommandLine.ParameterException(command, "--worker-image goes with --gang-queue");
            }
            return TrainRunner.Launchers.local();
        }
        if (image == null) {
            throw new CommandLine.ParameterException(command, "--gang-queue needs --worker-image");
        }
        return (logDir, request) -> {
            KubernetesClient client = new KubernetesClientBuilder().build();
            try {
                int slash = queue.indexOf('/');
                String namespace = slash >= 0 ? queue.substring(0, slash) : client.getNamespace();
                if (namespace == null) {
                    throw new CommandLine.ParameterException(command, "no Kubernetes namespace is configured: give it as "
                            + "--gang-queue NAMESPACE/QUEUE");
                }
                KubernetesGangOptions.Builder options = KubernetesGangOptions.builder()
                        .setNamespace(namespace)
                        .setImage(image)
                        .setQueue(queue.substring(slash + 1))
                        .optCpuPerWorker(cpu)
                        .optNodeSelector(nodeSelector)
                        .optSharedVolume(sharedVolume, home.toAbsolutePath().normalize().toString());
                tolerations.forEach(t -> options.optToleration(Toleration.exists(t, Toleration.Effect.NO_SCHEDULE)));
                if (credentialsSecret != null) {
                    options.optCredentialsSecret(credentialsSecret);
                }
                if (serviceAccount != null) {
                    options.optServiceAccount(serviceAccount);
                }
                return KubernetesGangLauncher.owning(client, options.build(), Clock.systemUTC());
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
        };
    }
}
