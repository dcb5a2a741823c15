package io.embedflow.tests.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests under {@code k8s/}: every file parses and every complete object in them keeps the
 * rules ({@link PodRules}, {@link AccessRules}); each overlay, rendered by {@code kubectl kustomize},
 * keeps them too and holds together ({@link EmbedflowRules}). The rendering tests need kubectl with
 * kustomize v4 or newer ({@value Manifests#KUBECTL_ENV} or the PATH) and are skipped without one.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Manifests.k8sDir();

    @Test
    void everyYamlFileParsesAndEveryObjectHasAKindAndAName() {
        Set<Path> configurations = kustomizeReferences("configurations");
        List<String> problems = new ArrayList<>();
        for (Path file : Manifests.yamlFiles(K8S)) {
            List<K8sObject> docs = Manifests.read(file);
            if (docs.isEmpty()) {
                problems.add(file + ": no YAML document");
            }
            for (K8sObject doc : docs) {
                JsonNode node = doc.node();
                if (node.isArray()) {
                    node.forEach(op -> {
                        if (!op.has("op") || !op.has("path")) {
                            problems.add(doc.source() + ": a JSON patch operation without op or path: " + op);
                        }
                    });
                } else if (doc.kind().equals("Kustomization") || configurations.contains(file.normalize())) {
                    continue;
                } else if (!node.has("apiVersion") || doc.kind().isEmpty() || doc.name().isEmpty()) {
                    problems.add(doc + ": apiVersion, kind or metadata.name missing");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theFilesAsWrittenKeepTheRules() {
        List<K8sObject> objects = completeObjects();

        assertThat(objects).extracting(K8sObject::kind)
                .contains("FlinkDeployment", "Deployment", "Role", "RoleBinding", "JobSet", "ClusterQueue", "LocalQueue");
        assertThat(PodRules.check(objects)).isEmpty();
        assertThat(AccessRules.check(objects)).isEmpty();
        assertThat(EmbedflowRules.flink(objects.stream().filter(o -> o.kind().equals("FlinkDeployment")).toList())).isEmpty();
    }

    @Test
    void noManifestWritesOutACredential() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path file : Manifests.yamlFiles(K8S)) {
            problems.addAll(AccessRules.checkText(file.toString(), Files.readString(file)));
        }
        try (var env = Files.walk(K8S)) {
            for (Path file : env.filter(p -> p.toString().endsWith(".env")).toList()) {
                problems.addAll(AccessRules.checkText(file.toString(), Files.readString(file)));
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theGpuDriverNamedInTheManifestsIsTheOneThePipelineJarShips() throws IOException {
        Path root = K8S.getParent().resolve("pipelines/flink/src/main");
        Path services = root.resolve("resources/META-INF/services/"
                + "org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory");

        assertThat(root.resolve("java/" + EmbedflowRules.GPU_DRIVER.replace('.', '/') + ".java")).exists();
        assertThat(Files.readString(services)).contains(EmbedflowRules.GPU_DRIVER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu-dev", "gpu"})
    void everyOverlayRendersWithoutWarningsAndKeepsTheRules(String overlay) {
        Manifests.Rendered rendered = render(overlay);
        List<K8sObject> objects = Manifests.parse(rendered.yaml(), "overlays/" + overlay);
        List<K8sObject> flink = EmbedflowRules.flinkDeployments(objects);
        List<K8sObject> all = new ArrayList<>(objects);
        all.addAll(flink.stream().filter(f -> !objects.contains(f)).toList());

        assertThat(rendered.warnings()).as("kustomize's warnings").isEmpty();
        assertThat(flink).extracting(K8sObject::name).contains(EmbedflowRules.SESSION_CLUSTER, "embedflow-refresh");
        assertThat(PodRules.check(all)).isEmpty();
        assertThat(AccessRules.check(all)).isEmpty();
        assertThat(EmbedflowRules.orchestrator(objects)).isEmpty();
        assertThat(EmbedflowRules.flink(flink)).isEmpty();
        assertThat(EmbedflowRules.kueue(objects)).isEmpty();
        assertThat(objects).filteredOn(o -> o.kind().equals("Role")).extracting(K8sObject::name)
                .containsExactlyInAnyOrder(EmbedflowRules.ORCHESTRATOR, EmbedflowRules.SESSION_CLUSTER);
    }

    @Test
    void theGpuOverlaysTaskManagersGetGpusAndTheDriverForThem() {
        List<K8sObject> objects = Manifests.parse(render("gpu").yaml(), "overlays/gpu");
        List<K8sObject> flink = EmbedflowRules.flinkDeployments(objects);

        assertThat(flink).hasSize(2);
        for (K8sObject deployment : flink) {
            assertThat(EmbedflowRules.gpuTaskManagers(deployment)).as(deployment.toString()).isEmpty();
        }
        assertThat(EmbedflowRules.find(objects, "Deployment", EmbedflowRules.ORCHESTRATOR).orElseThrow()
                .node().path("spec").path("replicas").asInt()).isEqualTo(2);
    }

    @Test
    void theCpuDevOverlayAsksForNoGpu() {
        Manifests.Rendered rendered = render("cpu-dev");
        List<K8sObject> objects = Manifests.parse(rendered.yaml(), "overlays/cpu-dev");
        List<K8sObject> flink = EmbedflowRules.flinkDeployments(objects);

        assertThat(EmbedflowRules.noGpu(rendered.yaml(), flink)).isEmpty();
        K8sObject session = EmbedflowRules.find(objects, "FlinkDeployment", EmbedflowRules.SESSION_CLUSTER).orElseThrow();
        assertThat(session.node().path("spec").path("taskManager").path("replicas").asInt()).isEqualTo(1);
        assertThat(EmbedflowRules.find(objects, "Deployment", EmbedflowRules.ORCHESTRATOR).orElseThrow()
                .node().path("spec").path("replicas").asInt()).isEqualTo(1);
    }

    // The rules can fail: hand-made bad objects through the same checks.

    @Test
    void aContainerWithoutLimitsRunningAsRootIsReported() {
        List<K8sObject> bad = Manifests.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: bad}
                spec:
                  template:
                    spec:
                      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
                      initContainers:
                      - name: setup
                        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 100m, memory: 64Mi}}
                        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsUser: 0}
                      containers:
                      - name: app
                        resources: {requests: {cpu: "1", memory: 1Gi, nvidia.com/gpu: 1}}
                        securityContext: {allowPrivilegeEscalation: true, privileged: true}
                """, "bad.yaml");

        assertThat(PodRules.check(bad)).containsExactlyInAnyOrder(
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container setup: securityContext.runAsUser is 0 (root)",
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container app: no cpu limit",
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container app: no memory limit",
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container app: nvidia.com/gpu requests (1) and limits (none) differ",
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container app: securityContext.allowPrivilegeEscalation is not false",
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container app: runs privileged",
                "Deployment/bad (bad.yaml) pod spec /spec/template/spec container app: securityContext.capabilities.drop does not hold ALL");
    }

    @Test
    void aFlinkDeploymentWithoutResourcesOrAPodSecurityContextIsReported() {
        List<K8sObject> bad = Manifests.parse("""
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: bare}
                spec:
                  jobManager: {resource: {cpu: 1, memory: 2g}}
                  taskManager:
                    podTemplate:
                      spec:
                        containers:
                        - name: flink-main-container
                          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                """, "bare.yaml");

        assertThat(PodRules.check(bad)).containsExactlyInAnyOrder(
                "FlinkDeployment/bare (bare.yaml): spec.taskManager.resource.cpu is not set",
                "FlinkDeployment/bare (bare.yaml): spec.taskManager.resource.memory is not set",
                "FlinkDeployment/bare (bare.yaml) pod spec /spec/taskManager/podTemplate/spec: securityContext.runAsNonRoot is not true",
                "FlinkDeployment/bare (bare.yaml) pod spec /spec/taskManager/podTemplate/spec: securityContext.seccompProfile.type is not RuntimeDefault");
    }

    @Test
    void aTaskManagerWithoutASizedModelCacheIsReported() {
        List<K8sObject> bad = Manifests.parse("""
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: nocache}
                spec:
                  taskManager:
                    podTemplate:
                      spec:
                        containers:
                        - name: flink-main-container
                          env: [{name: EMBEDFLOW_MODEL_CACHE, value: /opt/flink/model-cache}]
                          volumeMounts: [{name: model-cache, mountPath: /opt/flink/model-cache}]
                        volumes: [{name: model-cache, emptyDir: {}}]
                ---
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: nolimit}
                spec:
                  taskManager:
                    podTemplate:
                      spec:
                        containers:
                        - name: flink-main-container
                          env:
                          - {name: EMBEDFLOW_MODEL_CACHE, value: /opt/flink/model-cache}
                          - {name: EMBEDFLOW_MODEL_CACHE_MAX_BYTES, value: 20Gi}
                          volumeMounts: [{name: model-cache, mountPath: /opt/flink/model-cache}]
                        volumes: [{name: model-cache, emptyDir: {sizeLimit: 20Gi}}]
                ---
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: noenv}
                spec:
                  taskManager: {podTemplate: {spec: {containers: [{name: flink-main-container}]}}}
                """, "bad.yaml");

        assertThat(bad.stream().flatMap(f -> EmbedflowRules.modelCache(f).stream()).toList()).containsExactly(
                "FlinkDeployment/nocache (bad.yaml): the task managers' EMBEDFLOW_MODEL_CACHE /opt/flink/model-cache is not "
                        + "the mount path of an emptyDir volume with a sizeLimit",
                "FlinkDeployment/nolimit (bad.yaml): the task managers' EMBEDFLOW_MODEL_CACHE_MAX_BYTES (20Gi) is not set "
                        + "below the cache volume's sizeLimit (20Gi)",
                "FlinkDeployment/noenv (bad.yaml): the task managers have no EMBEDFLOW_MODEL_CACHE");
    }

    @Test
    void wildcardsSecretsClusterRolesAndVerbsBeyondTheTableAreReported() {
        List<K8sObject> bad = Manifests.parse("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: embedflow-orchestrator}
                rules:
                - apiGroups: [""]
                  resources: [secrets, pods]
                  verbs: [get, create]
                - apiGroups: [jobset.x-k8s.io]
                  resources: ["*"]
                  verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: everything}
                """, "rbac.yaml");

        assertThat(AccessRules.check(bad)).containsExactlyInAnyOrder(
                "Role/embedflow-orchestrator (rbac.yaml): access to secrets",
                "Role/embedflow-orchestrator (rbac.yaml): core/secrets is not in its table",
                "Role/embedflow-orchestrator (rbac.yaml): verb 'create' on core/pods is not in its table "
                        + AccessRules.ALLOWED.get("embedflow-orchestrator").get("/pods"),
                "Role/embedflow-orchestrator (rbac.yaml): a rule with '*' ({\"apiGroups\":[\"jobset.x-k8s.io\"],"
                        + "\"resources\":[\"*\"],\"verbs\":[\"get\"]})",
                "Role/embedflow-orchestrator (rbac.yaml): jobset.x-k8s.io/* is not in its table",
                "ClusterRole/everything (rbac.yaml): cluster-wide rights; embedflow gets a Role in its namespace");
        assertThat(AccessRules.checkText("serve.env", "EMBEDFLOW_DB=jdbc:postgresql://db/embedflow?user=e&password=hunter2"))
                .containsExactly("serve.env: a JDBC URL with a password; reference the Secret embedflow-postgres instead");
    }

    @Test
    void aLocalQueueWithoutItsClusterQueueIsReported() {
        List<K8sObject> bad = Manifests.parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: embedflow-orchestrator-abc}
                data: {EMBEDFLOW_TENANT_SEARCH: "search=1"}
                ---
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: LocalQueue
                metadata: {name: search, namespace: embedflow}
                spec: {clusterQueue: embedflow-search}
                """, "queues.yaml");

        assertThat(EmbedflowRules.kueue(bad)).contains(
                "LocalQueue/search (queues.yaml): its ClusterQueue 'embedflow-search' does not exist",
                "1 LocalQueues and 0 ClusterQueues for tenants [search]");
    }

    private static Manifests.Rendered render(String overlay) {
        Optional<Path> kubectl = Manifests.kubectl();
        assumeTrue(kubectl.isPresent(), "no kubectl: put one with kustomize v4+ on the PATH or point "
                + Manifests.KUBECTL_ENV + " at it (.ci/run fetches one); the overlay tests are skipped");
        return Manifests.render(kubectl.get(), K8S.resolve("overlays").resolve(overlay));
    }

    /**
     * The objects as they are written (resources, generator inputs, the JobSet example): every YAML
     * document except kustomizations, their patches and their transformer configurations.
     */
    private static List<K8sObject> completeObjects() {
        Set<Path> notObjects = new HashSet<>(kustomizeReferences("patches"));
        notObjects.addAll(kustomizeReferences("configurations"));
        List<K8sObject> objects = new ArrayList<>();
        for (Path file : Manifests.yamlFiles(K8S)) {
            if (notObjects.contains(file.normalize())) {
                continue;
            }
            Manifests.read(file).stream().filter(o -> !o.kind().equals("Kustomization")).forEach(objects::add);
        }
        return objects;
    }

    /** The files the kustomizations name under {@code field} ({@code patches[].path} or a list of paths). */
    private static Set<Path> kustomizeReferences(String field) {
        Set<Path> files = new HashSet<>();
        for (Path file : Manifests.yamlFiles(K8S)) {
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                continue;
            }
            for (K8sObject k : Manifests.read(file)) {
                for (JsonNode entry : k.node().path(field)) {
                    String path = entry.isTextual() ? entry.asText() : entry.path("path").asText("");
                    if (!path.isEmpty()) {
                        files.add(file.getParent().resolve(path).normalize());
                    }
                }
            }
        }
        return files;
    }
}
