package io.embedflow.orchestrator.gang.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangLauncher;
import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.LaunchedGang;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Runs each attempt of a gang as one JobSet ({@link GangJobSet} says what it holds), admitted by
 * Kueue as a whole. A launch returns once the JobSet was created; its pods start when Kueue admits
 * it, and {@link LaunchedGang#status()} follows them.
 *
 * <p>Restarts are not Kubernetes': the JobSet may not restart ({@code failurePolicy.maxRestarts: 0}),
 * and each member's Job has {@code backoffLimit: 0}. The gang runtime stops a failed attempt and
 * launches the next through this launcher, as it does with local gangs, so both restart from the
 * newest checkpoint within the request's restart budget.
 *
 * <p>A launch is all or nothing: when the JobSet cannot be created (refused, over quota, invalid),
 * whatever the attempt created is deleted and the launch throws. A JobSet of the same name that was
 * there before (an attempt launched earlier and not stopped) is left alone.
 *
 * <pre>{@code
 * try (GangLauncher launcher = KubernetesGangLauncher.connect(options)) {
 *     LaunchedGang gang = launcher.launch(request, 0);
 *     ...
 * }
 * }</pre>
 */
public final class KubernetesGangLauncher implements GangLauncher {

    /** Marks the JobSet of one launch, so that undoing a failed launch deletes only what it made. */
    public static final String LAUNCH_ANNOTATION = "embedflow.io/launch-id";

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final KubernetesGangOptions options;
    private final Clock clock;

    /** Uses {@code client}, which stays the caller's to close. */
    public KubernetesGangLauncher(KubernetesClient client, KubernetesGangOptions options, Clock clock) {
        this(client, false, options, clock);
    }

    private KubernetesGangLauncher(KubernetesClient client, boolean ownsClient, KubernetesGangOptions options, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A launcher with its own client, configured the standard way (in a pod: its service account;
     * else {@code KUBECONFIG} or {@code ~/.kube/config}); {@link #close()} closes it.
     */
    public static KubernetesGangLauncher connect(KubernetesGangOptions options) {
        return owning(new KubernetesClientBuilder().build(), options, Clock.systemUTC());
    }

    /** A launcher that takes {@code client} over: {@link #close()} closes it. */
    public static KubernetesGangLauncher owning(KubernetesClient client, KubernetesGangOptions options, Clock clock) {
        return new KubernetesGangLauncher(client, true, options, clock);
    }

    @Override
    public LaunchedGang launch(GangRequest request, int attempt) {
        GenericKubernetesResource jobSet = GangJobSet.jobSet(request, attempt, options);
        String name = jobSet.getMetadata().getName();
        String launchId = UUID.randomUUID().toString();
        jobSet.getMetadata().setAnnotations(Map.of(LAUNCH_ANNOTATION, launchId));
        try {
            GenericKubernetesResource created = client.genericKubernetesResources(GangJobSet.CONTEXT)
                    .inNamespace(options.namespace()).resource(jobSet).create();
            return new KubernetesLaunchedGang(client, options, request, attempt, created, clock);
        } catch (KubernetesClientException e) {
            String object = "JobSet " + options.namespace() + "/" + name;
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                throw new OrchestratorException("gang " + request.gangId() + " attempt " + attempt + ": " + object
                        + " already exists; stop that attempt before launching it again", e);
            }
            OrchestratorException failure = new OrchestratorException("gang " + request.gangId() + " attempt " + attempt
                    + ": could not create " + object + ": " + e.getMessage(), e);
            deleteIfCreated(name, launchId, failure);
            throw failure;
        }
    }

    /**
     * A create that failed may still have stored the object (a time-out after the server took it):
     * delete it when this launch made it (its launch annotation says so), and only then.
     */
    private void deleteIfCreated(String name, String launchId, OrchestratorException failure) {
        try {
            var resource = client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace(options.namespace()).withName(name);
            GenericKubernetesResource left = resource.get();
            Map<String, String> annotations = left != null ? left.getMetadata().getAnnotations() : null;
            if (annotations != null && launchId.equals(annotations.get(LAUNCH_ANNOTATION))) {
                resource.withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
            }
        } catch (KubernetesClientException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
