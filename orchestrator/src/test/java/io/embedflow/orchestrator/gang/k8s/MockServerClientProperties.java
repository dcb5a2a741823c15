package io.embedflow.orchestrator.gang.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Points the Kubernetes clients that the CLI builds the standard way at the mock API server, through
 * the client's system properties (no kubeconfig, no service account), and clears them again.
 */
public final class MockServerClientProperties {

    private MockServerClientProperties() {
    }

    /** Sets the properties for {@code client}'s server and, when not null, a default namespace. */
    public static void pointAt(KubernetesClient client, String namespace) {
        properties(client, namespace).forEach(System::setProperty);
    }

    public static void clear() {
        properties(null, "").keySet().forEach(System::clearProperty);
    }

    private static Map<String, String> properties(KubernetesClient client, String namespace) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, client == null ? "" : client.getMasterUrl().toString());
        p.put(Config.KUBERNETES_TRUST_CERT_SYSTEM_PROPERTY, "true");
        p.put(Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false");
        p.put(Config.KUBERNETES_AUTH_TRYSERVICEACCOUNT_SYSTEM_PROPERTY, "false");
        if (namespace != null) {
            p.put(Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY, namespace);
        }
        return p;
    }
}
