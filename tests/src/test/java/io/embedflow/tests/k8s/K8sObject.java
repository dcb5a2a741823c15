package io.embedflow.tests.k8s;

import com.fasterxml.jackson.databind.JsonNode;

/** One YAML document of a manifest, with where it came from. */
record K8sObject(String source, JsonNode node) {

    String kind() {
        return node.path("kind").asText("");
    }

    String name() {
        return node.path("metadata").path("name").asText("");
    }

    String namespace() {
        return node.path("metadata").path("namespace").asText("");
    }

    boolean is(String kind, String name) {
        return kind().equals(kind) && name().equals(name);
    }

    /** {@code Kind/name (source)}, as violations name an object. */
    @Override
    public String toString() {
        return kind() + "/" + name() + " (" + source + ")";
    }
}
