package io.embedflow.tests.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may do what: Roles only (no cluster-wide rights), each within a table of what its code calls,
 * no wildcards, no Secrets; and no credentials written into a manifest.
 */
final class AccessRules {

    /**
     * The most each Role may grant: role → "apiGroup/resource" → verbs. The orchestrator's rows are
     * what its code calls (FlinkSessionJobs and FlinkDeployments for refreshes, JobSets and pods for
     * gangs, a Lease for leader election); Flink's are what the job manager of native Kubernetes mode
     * calls (task manager pods, HA ConfigMaps, owner references to its Deployment).
     */
    static final Map<String, Map<String, Set<String>>> ALLOWED = Map.of(
            "embedflow-orchestrator", Map.of(
                    "flink.apache.org/flinksessionjobs", Set.of("get", "list", "create", "delete"),
                    "flink.apache.org/flinkdeployments", Set.of("get", "list", "create", "delete"),
                    "jobset.x-k8s.io/jobsets", Set.of("get", "create", "delete"),
                    "/pods", Set.of("get", "list", "watch", "deletecollection"),
                    "coordination.k8s.io/leases", Set.of("get", "create", "update", "patch")),
            "embedflow-flink", Map.of(
                    "/pods", Set.of("get", "list", "watch", "create", "delete"),
                    "/configmaps", Set.of("get", "list", "watch", "create", "update", "delete", "deletecollection"),
                    "apps/deployments", Set.of("get"),
                    "apps/deployments/finalizers", Set.of("update")));

    /** A JDBC URL that carries a password: such a URL belongs in a Secret. */
    private static final Pattern JDBC_WITH_PASSWORD = Pattern.compile("jdbc:[^\\s\"']*password", Pattern.CASE_INSENSITIVE);

    private AccessRules() {
    }

    static List<String> check(List<K8sObject> objects) {
        List<String> violations = new ArrayList<>();
        for (K8sObject object : objects) {
            switch (object.kind()) {
                case "ClusterRole", "ClusterRoleBinding" ->
                        violations.add(object + ": cluster-wide rights; embedflow gets a Role in its namespace");
                case "Role" -> checkRole(object, violations);
                case "Secret" -> violations.add(object + ": a Secret in the manifests; the platform creates Secrets, "
                        + "manifests only reference them");
                default -> { }
            }
        }
        return violations;
    }

    private static void checkRole(K8sObject role, List<String> violations) {
        Map<String, Set<String>> allowed = ALLOWED.get(role.name());
        if (allowed == null) {
            violations.add(role + ": no table of allowed rights for this Role");
            return;
        }
        for (JsonNode rule : role.node().path("rules")) {
            List<String> groups = texts(rule.path("apiGroups"));
            List<String> resources = texts(rule.path("resources"));
            List<String> verbs = texts(rule.path("verbs"));
            if (groups.contains("*") || resources.contains("*") || verbs.contains("*")) {
                violations.add(role + ": a rule with '*' (" + rule + ")");
            }
            if (rule.has("resourceNames") || rule.has("nonResourceURLs")) {
                violations.add(role + ": unexpected resourceNames or nonResourceURLs in " + rule);
            }
            for (String group : groups) {
                for (String resource : resources) {
                    if (resource.equals("secrets")) {
                        violations.add(role + ": access to secrets");
                    }
                    Set<String> ok = allowed.get(group + "/" + resource);
                    if (ok == null) {
                        violations.add(role + ": " + (group.isEmpty() ? "core" : group) + "/" + resource + " is not in its table");
                        continue;
                    }
                    for (String verb : verbs) {
                        if (!ok.contains(verb)) {
                            violations.add(role + ": verb '" + verb + "' on " + (group.isEmpty() ? "core" : group) + "/" + resource
                                    + " is not in its table " + ok);
                        }
                    }
                }
            }
        }
    }

    /** Literal credentials: a JDBC URL with a password anywhere in a manifest's text. */
    static List<String> checkText(String source, String text) {
        return JDBC_WITH_PASSWORD.matcher(text).find()
                ? List.of(source + ": a JDBC URL with a password; reference the Secret embedflow-postgres instead")
                : List.of();
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
