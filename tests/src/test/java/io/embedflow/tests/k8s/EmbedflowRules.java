package io.embedflow.tests.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a rendered overlay must hold together: the orchestrator runs as the account its Role is
 * bound to and reads its database URL from a Secret, Flink and the orchestrator share the data
 * volume, GPU task managers ask for GPUs where Flink's GPU driver expects them, and every tenant has
 * its queues.
 */
final class EmbedflowRules {

    static final String ORCHESTRATOR = "embedflow-orchestrator";
    static final String SESSION_CLUSTER = "embedflow-flink";
    static final String APPLICATION_TEMPLATE = "embedflow-flink-application-template";
    static final String DATA_CLAIM = "embedflow-data";
    static final String DATA_PATH = "/var/lib/embedflow";
    static final String GPU = "nvidia.com/gpu";
    static final String GPU_DRIVER = "io.embedflow.flink.gpu.driver.GpuDriverFactory";
    private static final String TENANT_PREFIX = "EMBEDFLOW_TENANT_";

    private EmbedflowRules() {
    }

    /** The FlinkDeployments of an overlay: the session cluster and the application template inside its ConfigMap. */
    static List<K8sObject> flinkDeployments(List<K8sObject> objects) {
        List<K8sObject> out = new ArrayList<>();
        for (K8sObject o : objects) {
            if (o.kind().equals("FlinkDeployment")) {
                out.add(o);
            }
            if (o.kind().equals("ConfigMap") && o.name().startsWith(APPLICATION_TEMPLATE)) {
                o.node().path("data").fields().forEachRemaining(e ->
                        out.addAll(Manifests.parse(e.getValue().asText(), o + " data." + e.getKey())));
            }
        }
        return out;
    }

    static List<String> orchestrator(List<K8sObject> objects) {
        List<String> violations = new ArrayList<>();
        Optional<K8sObject> deployment = find(objects, "Deployment", ORCHESTRATOR);
        if (deployment.isEmpty()) {
            return List.of("no Deployment/" + ORCHESTRATOR);
        }
        JsonNode pod = deployment.get().node().path("spec").path("template").path("spec");
        String account = pod.path("serviceAccountName").asText("");
        Optional<K8sObject> binding = objects.stream()
                .filter(o -> o.kind().equals("RoleBinding") && o.node().path("roleRef").path("name").asText().equals(ORCHESTRATOR))
                .findFirst();
        if (binding.isEmpty()) {
            violations.add("no RoleBinding of Role/" + ORCHESTRATOR);
        } else {
            boolean bound = false;
            for (JsonNode subject : binding.get().node().path("subjects")) {
                bound |= subject.path("kind").asText().equals("ServiceAccount") && subject.path("name").asText().equals(account)
                        && subject.path("namespace").asText().equals(deployment.get().namespace());
            }
            if (!bound) {
                violations.add(deployment.get() + ": runs as service account '" + account + "', which " + binding.get()
                        + " does not bind in namespace '" + deployment.get().namespace() + "'");
            }
        }
        if (find(objects, "ServiceAccount", account).isEmpty()) {
            violations.add(deployment.get() + ": its service account '" + account + "' is not in the manifests");
        }
        JsonNode container = pod.path("containers").path(0);
        JsonNode db = env(container, "EMBEDFLOW_DB");
        JsonNode secretRef = db.path("valueFrom").path("secretKeyRef");
        if (!secretRef.path("name").asText().equals("embedflow-postgres") || !secretRef.path("key").asText().equals("url")) {
            violations.add(deployment.get() + ": EMBEDFLOW_DB does not come from secretKeyRef embedflow-postgres/url: " + db);
        }
        if (!mountsData(pod)) {
            violations.add(deployment.get() + ": does not mount PVC " + DATA_CLAIM + " at " + DATA_PATH);
        }
        return violations;
    }

    /** Job and task managers of every FlinkDeployment mount the data volume and may read the S3 Secret. */
    static List<String> flink(List<K8sObject> flinkDeployments) {
        List<String> violations = new ArrayList<>();
        for (K8sObject flink : flinkDeployments) {
            if (!flink.node().path("spec").path("flinkVersion").asText().startsWith("v2_")) {
                violations.add(flink + ": flinkVersion is not a Flink 2 version");
            }
            for (String role : List.of("jobManager", "taskManager")) {
                JsonNode pod = flink.node().path("spec").path(role).path("podTemplate").path("spec");
                if (!mountsData(pod)) {
                    violations.add(flink + ": " + role + " does not mount PVC " + DATA_CLAIM + " at " + DATA_PATH);
                }
                JsonNode main = flinkMain(pod);
                boolean s3 = false;
                for (JsonNode from : main.path("envFrom")) {
                    s3 |= from.path("secretRef").path("name").asText().equals("embedflow-s3")
                            && from.path("secretRef").path("optional").asBoolean(false);
                }
                if (!s3) {
                    violations.add(flink + ": " + role + " has no optional envFrom secretRef embedflow-s3");
                }
            }
            violations.addAll(modelCache(flink));
            JsonNode conf = flink.node().path("spec").path("flinkConfiguration");
            if (!conf.path("env.java.opts.all").asText().contains("-Dai.djl.offline=true")) {
                violations.add(flink + ": the JVMs do not run DJL offline (env.java.opts.all)");
            }
        }
        return violations;
    }

    /**
     * Task managers copy model snapshots from the store into {@code $EMBEDFLOW_MODEL_CACHE}: it must be
     * the mount path of an emptyDir volume with a size limit (a model can be gigabytes), and the cache's own
     * limit ({@code $EMBEDFLOW_MODEL_CACHE_MAX_BYTES}) below it, or a pod that sees many versions is evicted.
     */
    static List<String> modelCache(K8sObject flink) {
        JsonNode pod = flink.node().path("spec").path("taskManager").path("podTemplate").path("spec");
        JsonNode main = flinkMain(pod);
        String cache = env(main, "EMBEDFLOW_MODEL_CACHE").path("value").asText("");
        if (cache.isEmpty()) {
            return List.of(flink + ": the task managers have no EMBEDFLOW_MODEL_CACHE");
        }
        String volume = null;
        for (JsonNode m : main.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(cache)) {
                volume = m.path("name").asText();
            }
        }
        for (JsonNode v : pod.path("volumes")) {
            String sizeLimit = v.path("emptyDir").path("sizeLimit").asText("");
            if (v.path("name").asText().equals(volume) && !sizeLimit.isEmpty()) {
                String max = env(main, "EMBEDFLOW_MODEL_CACHE_MAX_BYTES").path("value").asText("");
                if (max.isEmpty() || gibibytes(max) >= gibibytes(sizeLimit)) {
                    return List.of(flink + ": the task managers' EMBEDFLOW_MODEL_CACHE_MAX_BYTES (" + max
                            + ") is not set below the cache volume's sizeLimit (" + sizeLimit + ")");
                }
                return List.of();
            }
        }
        return List.of(flink + ": the task managers' EMBEDFLOW_MODEL_CACHE " + cache
                + " is not the mount path of an emptyDir volume with a sizeLimit");
    }

    /** A quantity like {@code 16Gi} or {@code 512Mi} in GiB. */
    private static double gibibytes(String quantity) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(Mi|Gi|Ti)").matcher(quantity);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a quantity in Mi, Gi or Ti: " + quantity);
        }
        double unit = switch (m.group(2)) {
            case "Mi" -> 1.0 / 1024;
            case "Gi" -> 1;
            default -> 1024;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    /**
     * GPU task managers: Flink's main container requests and limits the GPUs, the pods go to GPU
     * nodes and tolerate their taint, and Flink's GPU driver is configured for as many GPUs.
     */
    static List<String> gpuTaskManagers(K8sObject flink) {
        List<String> violations = new ArrayList<>();
        JsonNode pod = flink.node().path("spec").path("taskManager").path("podTemplate").path("spec");
        JsonNode resources = flinkMain(pod).path("resources");
        String requested = resources.path("requests").path(GPU).asText("");
        if (requested.isEmpty() || !requested.equals(resources.path("limits").path(GPU).asText(""))) {
            violations.add(flink + ": the task managers' " + PodRules.FLINK_MAIN_CONTAINER + " does not request and limit "
                    + GPU + " alike: " + resources);
        }
        if (pod.path("nodeSelector").isEmpty()) {
            violations.add(flink + ": the task managers have no node selector");
        }
        boolean tolerates = false;
        for (JsonNode t : pod.path("tolerations")) {
            tolerates |= t.path("key").asText().equals(GPU) && t.path("effect").asText().equals("NoSchedule");
        }
        if (!tolerates) {
            violations.add(flink + ": the task managers do not tolerate the " + GPU + " NoSchedule taint");
        }
        JsonNode conf = flink.node().path("spec").path("flinkConfiguration");
        Map<String, String> expected = Map.of(
                "external-resources", "gpu",
                "external-resource.gpu.driver-factory.class", GPU_DRIVER,
                "external-resource.gpu.kubernetes.config-key", GPU,
                "external-resource.gpu.amount", requested);
        expected.forEach((key, value) -> {
            if (!conf.path(key).asText("").equals(value)) {
                violations.add(flink + ": flinkConfiguration " + key + " is '" + conf.path(key).asText("") + "', not '" + value + "'");
            }
        });
        return violations;
    }

    /** No GPU anywhere: not requested, not selected, not in a queue's quota. */
    static List<String> noGpu(String rendered, List<K8sObject> flinkDeployments) {
        List<String> violations = new ArrayList<>();
        if (rendered.contains(GPU)) {
            violations.add("the CPU overlay mentions " + GPU);
        }
        for (K8sObject flink : flinkDeployments) {
            JsonNode pod = flink.node().path("spec").path("taskManager").path("podTemplate").path("spec");
            if (!pod.path("nodeSelector").isEmpty()) {
                violations.add(flink + ": the task managers have a node selector " + pod.path("nodeSelector"));
            }
            if (flink.node().path("spec").path("flinkConfiguration").has("external-resources")) {
                violations.add(flink + ": external resources are configured");
            }
        }
        return violations;
    }

    /**
     * One LocalQueue per tenant of serve (the orchestrator ConfigMap's {@code EMBEDFLOW_TENANT_*}),
     * named as the tenant, each pointing at its own existing ClusterQueue; one ClusterQueue per
     * tenant, all in one cohort, their flavors defined.
     */
    static List<String> kueue(List<K8sObject> objects) {
        List<String> violations = new ArrayList<>();
        Set<String> tenants = new TreeSet<>();
        objects.stream().filter(o -> o.kind().equals("ConfigMap") && o.name().startsWith(ORCHESTRATOR + "-")).forEach(cm ->
                cm.node().path("data").fields().forEachRemaining(e -> {
                    if (e.getKey().startsWith(TENANT_PREFIX)) {
                        tenants.add(e.getValue().asText().split("=", 2)[0]);
                    }
                }));
        if (tenants.isEmpty()) {
            violations.add("no tenants (" + TENANT_PREFIX + "*) in the orchestrator's ConfigMap");
        }
        List<K8sObject> localQueues = objects.stream().filter(o -> o.kind().equals("LocalQueue")).toList();
        List<K8sObject> clusterQueues = objects.stream().filter(o -> o.kind().equals("ClusterQueue")).toList();
        Set<String> flavors = new HashSet<>();
        objects.stream().filter(o -> o.kind().equals("ResourceFlavor")).forEach(f -> flavors.add(f.name()));
        Set<String> clusterQueuesUsed = new HashSet<>();
        for (String tenant : tenants) {
            List<K8sObject> queues = localQueues.stream().filter(q -> q.name().equals(tenant)).toList();
            if (queues.size() != 1) {
                violations.add("tenant " + tenant + ": " + queues.size() + " LocalQueues named " + tenant + ", not one");
                continue;
            }
            String target = queues.get(0).node().path("spec").path("clusterQueue").asText();
            if (clusterQueues.stream().noneMatch(c -> c.name().equals(target))) {
                violations.add(queues.get(0) + ": its ClusterQueue '" + target + "' does not exist");
            }
            if (!clusterQueuesUsed.add(target)) {
                violations.add(queues.get(0) + ": shares ClusterQueue '" + target + "' with another tenant");
            }
        }
        if (localQueues.size() != tenants.size() || clusterQueues.size() != tenants.size()) {
            violations.add(localQueues.size() + " LocalQueues and " + clusterQueues.size() + " ClusterQueues for tenants " + tenants);
        }
        Set<String> cohorts = new TreeSet<>();
        for (K8sObject cq : clusterQueues) {
            cohorts.add(cq.node().path("spec").path("cohortName").asText(""));
            for (JsonNode group : cq.node().path("spec").path("resourceGroups")) {
                for (JsonNode flavor : group.path("flavors")) {
                    if (!flavors.contains(flavor.path("name").asText())) {
                        violations.add(cq + ": flavor '" + flavor.path("name").asText() + "' is not defined");
                    }
                }
            }
        }
        if (cohorts.size() != 1 || cohorts.contains("")) {
            violations.add("the ClusterQueues are not all in one cohort: " + cohorts);
        }
        return violations;
    }

    static Optional<K8sObject> find(List<K8sObject> objects, String kind, String name) {
        return objects.stream().filter(o -> o.is(kind, name)).findFirst();
    }

    static JsonNode flinkMain(JsonNode pod) {
        for (JsonNode c : pod.path("containers")) {
            if (c.path("name").asText().equals(PodRules.FLINK_MAIN_CONTAINER)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static boolean mountsData(JsonNode pod) {
        Set<String> volumes = new HashSet<>();
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("persistentVolumeClaim").path("claimName").asText().equals(DATA_CLAIM)) {
                volumes.add(v.path("name").asText());
            }
        }
        JsonNode main = pod.path("containers").path(0);
        for (JsonNode m : main.path("volumeMounts")) {
            if (volumes.contains(m.path("name").asText()) && m.path("mountPath").asText().equals(DATA_PATH)) {
                return true;
            }
        }
        return false;
    }
}
