package io.embedflow.orchestrator.gang.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how {@link KubernetesGangLauncher} runs gangs: the platform's side of a gang, while
 * {@link io.embedflow.orchestrator.gang.GangRequest} is the user's. Validated on construction,
 * immutable.
 *
 * <pre>{@code
 * KubernetesGangOptions options = KubernetesGangOptions.builder()
 *         .setNamespace("ml")
 *         .setImage("registry.example.com/embedflow:0.1.0")
 *         .setQueue("gpu-training")
 *         .optNodeSelector(Map.of("nvidia.com/gpu.present", "true"))
 *         .optToleration(Toleration.exists("nvidia.com/gpu", Toleration.Effect.NO_SCHEDULE))
 *         .optCredentialsSecret("s3-credentials")
 *         .build();
 * }</pre>
 *
 * @param namespace the namespace of every object of a gang
 * @param image the worker image; it must run as a numeric non-root user (pods ask for {@code runAsNonRoot})
 * @param queue the Kueue LocalQueue (in {@code namespace}) that admits a gang's JobSet, all members at once
 * @param serviceAccount the workers' service account; empty: the namespace's default, with no API token mounted
 * @param nodeSelector node labels a worker's node must carry (e.g. GPU nodes)
 * @param tolerations taints of those nodes that workers tolerate
 * @param workerCommand the command that starts a worker; the request's worker arguments follow it
 * @param coordinatorPort the port rank 0 listens on for the rendezvous
 * @param cpuPerWorker CPU per worker as Kubernetes writes it ({@code 4}, {@code 500m}); requested and limited
 * @param credentialsSecret a Secret (in {@code namespace}) whose keys become workers' environment variables,
 *     e.g. {@code AWS_ACCESS_KEY_ID}; only its name appears in objects, never its values
 * @param stopTimeout how long {@code stop()} waits for a stopped attempt's pods to end
 * @param sharedVolume a volume claim mounted into every worker at the path where the orchestrator
 *     keeps its home (the training plan, the base model's snapshot, the trained model's output and
 *     rank 0's progress are paths there); empty: the workers share nothing but the object store
 */
public record KubernetesGangOptions(
        String namespace,
        String image,
        String queue,
        Optional<String> serviceAccount,
        Map<String, String> nodeSelector,
        List<Toleration> tolerations,
        List<String> workerCommand,
        int coordinatorPort,
        String cpuPerWorker,
        Optional<String> credentialsSecret,
        Duration stopTimeout,
        Optional<SharedVolume> sharedVolume) {

    public static final List<String> DEFAULT_WORKER_COMMAND = List.of("embedflow", "gang-worker");
    public static final int DEFAULT_COORDINATOR_PORT = 29500;

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern CPU = Pattern.compile("[0-9]+(\\.[0-9]+)?|[0-9]+m");

    public KubernetesGangOptions {
        requireName("namespace", namespace, DNS_LABEL);
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new OrchestratorException("the worker image must be an image reference without spaces, got '" + image + "'");
        }
        requireName("queue", queue, DNS_SUBDOMAIN);
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        serviceAccount.ifPresent(s -> requireName("service account", s, DNS_SUBDOMAIN));
        nodeSelector = Map.copyOf(nodeSelector);
        tolerations = List.copyOf(tolerations);
        workerCommand = List.copyOf(workerCommand);
        if (workerCommand.isEmpty()) {
            throw new OrchestratorException("the worker command needs at least the program to run");
        }
        if (coordinatorPort < 1 || coordinatorPort > 65535) {
            throw new OrchestratorException("the coordinator port must be 1-65535, got " + coordinatorPort);
        }
        if (cpuPerWorker == null || !CPU.matcher(cpuPerWorker).matches() || cpuPerWorker.matches("0*(\\.0*)?m?")) {
            throw new OrchestratorException("CPU per worker must be a positive quantity like 4 or 500m, got '" + cpuPerWorker + "'");
        }
        Objects.requireNonNull(credentialsSecret, "credentialsSecret");
        credentialsSecret.ifPresent(s -> requireName("credentials Secret", s, DNS_SUBDOMAIN));
        if (stopTimeout == null || stopTimeout.isNegative() || stopTimeout.isZero()) {
            throw new OrchestratorException("the stop timeout must be longer than zero, got " + stopTimeout);
        }
        Objects.requireNonNull(sharedVolume, "sharedVolume");
    }

    /**
     * A PersistentVolumeClaim (ReadWriteMany) mounted into every worker.
     *
     * @param claimName the claim, in the gang's namespace
     * @param mountPath where it is mounted: the same path as in the orchestrator, so paths mean the same
     */
    public record SharedVolume(String claimName, String mountPath) {
        public SharedVolume {
            requireName("shared volume claim", claimName, DNS_SUBDOMAIN);
            if (mountPath == null || !mountPath.startsWith("/") || mountPath.contains("..")) {
                throw new OrchestratorException("the shared volume's mount path must be an absolute path, got '" + mountPath + "'");
            }
        }

        /** Reads {@code CLAIM:/mount/path}. */
        public static SharedVolume parse(String text) {
            int colon = text == null ? -1 : text.indexOf(':');
            if (colon < 1) {
                throw new OrchestratorException("a shared volume is CLAIM:/mount/path, got '" + text + "'");
            }
            return new SharedVolume(text.substring(0, colon), text.substring(colon + 1));
        }
    }

    private static void requireName(String what, String value, Pattern pattern) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new OrchestratorException("the " + what + " must be a Kubernetes name (lower-case letters, digits, '-'), got '"
                    + value + "'");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A taint that workers tolerate.
     *
     * @param key the taint's key, e.g. {@code nvidia.com/gpu}
     * @param value for {@link Operator#EQUAL}: the taint's value; else empty
     * @param effect the taint's effect; empty: any effect
     */
    public record Toleration(String key, Operator operator, Optional<String> value, Optional<Effect> effect) {
        public enum Operator {
            EXISTS("Exists"), EQUAL("Equal");

            private final String kubernetesName;

            Operator(String kubernetesName) {
                this.kubernetesName = kubernetesName;
            }

            public String kubernetesName() {
                return kubernetesName;
            }
        }

        public enum Effect {
            NO_SCHEDULE("NoSchedule"), PREFER_NO_SCHEDULE("PreferNoSchedule"), NO_EXECUTE("NoExecute");

            private final String kubernetesName;

            Effect(String kubernetesName) {
                this.kubernetesName = kubernetesName;
            }

            public String kubernetesName() {
                return kubernetesName;
            }
        }

        public Toleration {
            if (key == null || key.isBlank()) {
                throw new OrchestratorException("a toleration needs a taint key");
            }
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(effect, "effect");
            if ((operator == Operator.EQUAL) != value.isPresent()) {
                throw new OrchestratorException("toleration of '" + key + "': a value goes with Equal, and only with Equal");
            }
        }

        /** Tolerates the taint {@code key} whatever its value. */
        public static Toleration exists(String key, Effect effect) {
            return new Toleration(key, Operator.EXISTS, Optional.empty(), Optional.of(effect));
        }

        /** Tolerates the taint {@code key=value}. */
        public static Toleration equal(String key, String value, Effect effect) {
            return new Toleration(key, Operator.EQUAL, Optional.of(value), Optional.of(effect));
        }
    }

    /** {@code setX} for what is required (namespace, image, queue), {@code optX} for the rest. */
    public static final class Builder {
        private String namespace;
        private String image;
        private String queue;
        private String serviceAccount;
        private final Map<String, String> nodeSelector = new LinkedHashMap<>();
        private final List<Toleration> tolerations = new ArrayList<>();
        private List<String> workerCommand = DEFAULT_WORKER_COMMAND;
        private int coordinatorPort = DEFAULT_COORDINATOR_PORT;
        private String cpuPerWorker = "1";
        private String credentialsSecret;
        private Duration stopTimeout = Duration.ofMinutes(2);
        private SharedVolume sharedVolume;

        private Builder() {
        }

        public Builder setNamespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder setImage(String image) {
            this.image = image;
            return this;
        }

        /** The Kueue LocalQueue that admits gangs. */
        public Builder setQueue(String queue) {
            this.queue = queue;
            return this;
        }

        public Builder optServiceAccount(String serviceAccount) {
            this.serviceAccount = serviceAccount;
            return this;
        }

        /** Adds to the node selector. */
        public Builder optNodeSelector(Map<String, String> labels) {
            nodeSelector.putAll(labels);
            return this;
        }

        /** Adds a toleration. */
        public Builder optToleration(Toleration toleration) {
            tolerations.add(toleration);
            return this;
        }

        /** Default {@code embedflow gang-worker}. */
        public Builder optWorkerCommand(List<String> workerCommand) {
            this.workerCommand = workerCommand;
            return this;
        }

        /** Default 29500. */
        public Builder optCoordinatorPort(int coordinatorPort) {
            this.coordinatorPort = coordinatorPort;
            return this;
        }

        /** Default {@code 1}. */
        public Builder optCpuPerWorker(String cpuPerWorker) {
            this.cpuPerWorker = cpuPerWorker;
            return this;
        }

        public Builder optCredentialsSecret(String secretName) {
            this.credentialsSecret = secretName;
            return this;
        }

        /** Default 2 min. */
        public Builder optStopTimeout(Duration stopTimeout) {
            this.stopTimeout = stopTimeout;
            return this;
        }

        /** Mounts claim {@code claimName} at {@code mountPath} in every worker. */
        public Builder optSharedVolume(String claimName, String mountPath) {
            this.sharedVolume = new SharedVolume(claimName, mountPath);
            return this;
        }

        public KubernetesGangOptions build() {
            return new KubernetesGangOptions(namespace, image, queue, Optional.ofNullable(serviceAccount), nodeSelector,
                    tolerations, workerCommand, coordinatorPort, cpuPerWorker, Optional.ofNullable(credentialsSecret),
                    stopTimeout, Optional.ofNullable(sharedVolume));
        }
    }
}
