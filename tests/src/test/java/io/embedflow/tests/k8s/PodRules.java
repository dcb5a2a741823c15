package io.embedflow.tests.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Resources and security of every pod an object describes, wherever its pod specs sit: a
 * Deployment's template, a JobSet's nested Job template, a FlinkDeployment's pod templates. A pod
 * spec is any mapping with a {@code containers} list.
 *
 * <p>Each violation names the object, the path of the pod spec and the container.
 */
final class PodRules {

    static final String FLINK_MAIN_CONTAINER = "flink-main-container";
    private static final List<String> CPU_AND_MEMORY = List.of("cpu", "memory");

    private PodRules() {
    }

    static List<String> check(List<K8sObject> objects) {
        List<String> violations = new ArrayList<>();
        for (K8sObject object : objects) {
            if (object.kind().equals("FlinkDeployment")) {
                flinkResources(object, violations);
            }
            forEachPodSpec(object.node(), "", (path, pod) -> checkPod(object, path, pod, violations));
        }
        return violations;
    }

    interface PodVisitor {
        void visit(String path, JsonNode podSpec);
    }

    /** Calls {@code visitor} for every mapping under {@code node} that has a {@code containers} list. */
    static void forEachPodSpec(JsonNode node, String path, PodVisitor visitor) {
        if (node.isObject()) {
            if (node.path("containers").isArray()) {
                visitor.visit(path, node);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                forEachPodSpec(field.getValue(), path + "/" + field.getKey(), visitor);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                forEachPodSpec(node.get(i), path + "/" + i, visitor);
            }
        }
    }

    /** Flink sets its containers' cpu and memory requests and limits from these blocks. */
    private static void flinkResources(K8sObject object, List<String> violations) {
        for (String role : List.of("jobManager", "taskManager")) {
            JsonNode resource = object.node().path("spec").path(role).path("resource");
            for (String r : CPU_AND_MEMORY) {
                if (resource.path(r).asText("").isBlank()) {
                    violations.add(object + ": spec." + role + ".resource." + r + " is not set");
                }
            }
        }
    }

    private static void checkPod(K8sObject object, String path, JsonNode pod, List<String> violations) {
        String where = object + " pod spec " + (path.isEmpty() ? "/" : path);
        JsonNode security = pod.path("securityContext");
        if (!security.path("runAsNonRoot").asBoolean(false)) {
            violations.add(where + ": securityContext.runAsNonRoot is not true");
        }
        if (security.has("runAsUser") && security.path("runAsUser").asLong() == 0) {
            violations.add(where + ": securityContext.runAsUser is 0 (root)");
        }
        if (!security.path("seccompProfile").path("type").asText("").equals("RuntimeDefault")) {
            violations.add(where + ": securityContext.seccompProfile.type is not RuntimeDefault");
        }
        for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (pod.path(host).asBoolean(false)) {
                violations.add(where + ": " + host + " is true");
            }
        }
        boolean flink = object.kind().equals("FlinkDeployment") || object.kind().equals("FlinkSessionJob");
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode container : pod.path(list)) {
                String name = container.path("name").asText("?");
                String at = where + " container " + name;
                boolean resourcesFromFlink = flink && list.equals("containers") && name.equals(FLINK_MAIN_CONTAINER);
                checkResources(at, container.path("resources"), resourcesFromFlink, violations);
                checkContainerSecurity(at, container.path("securityContext"), violations);
            }
        }
    }

    private static void checkResources(String at, JsonNode resources, boolean cpuAndMemoryFromFlink, List<String> violations) {
        JsonNode requests = resources.path("requests");
        JsonNode limits = resources.path("limits");
        if (!cpuAndMemoryFromFlink) {
            for (String r : CPU_AND_MEMORY) {
                if (requests.path(r).asText("").isBlank()) {
                    violations.add(at + ": no " + r + " request");
                }
                if (limits.path(r).asText("").isBlank()) {
                    violations.add(at + ": no " + r + " limit");
                }
            }
        }
        // extended resources (GPUs) cannot be overcommitted: Kubernetes wants requests equal to limits
        for (JsonNode side : List.of(requests, limits)) {
            for (Iterator<String> it = side.fieldNames(); it.hasNext(); ) {
                String r = it.next();
                if (r.contains("/") && !requests.path(r).asText("").equals(limits.path(r).asText(""))) {
                    violations.add(at + ": " + r + " requests (" + requests.path(r).asText("none") + ") and limits ("
                            + limits.path(r).asText("none") + ") differ");
                }
            }
        }
    }

    private static void checkContainerSecurity(String at, JsonNode security, List<String> violations) {
        if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
            violations.add(at + ": securityContext.allowPrivilegeEscalation is not false");
        }
        if (security.path("privileged").asBoolean(false)) {
            violations.add(at + ": runs privileged");
        }
        if (security.has("runAsNonRoot") && !security.path("runAsNonRoot").asBoolean()) {
            violations.add(at + ": securityContext.runAsNonRoot is false");
        }
        if (security.has("runAsUser") && security.path("runAsUser").asLong() == 0) {
            violations.add(at + ": securityContext.runAsUser is 0 (root)");
        }
        boolean dropsAll = false;
        for (JsonNode dropped : security.path("capabilities").path("drop")) {
            dropsAll |= dropped.asText().equals("ALL");
        }
        if (!dropsAll) {
            violations.add(at + ": securityContext.capabilities.drop does not hold ALL");
        }
        if (!security.path("capabilities").path("add").isEmpty()) {
            violations.add(at + ": securityContext.capabilities.add is not empty");
        }
    }
}
