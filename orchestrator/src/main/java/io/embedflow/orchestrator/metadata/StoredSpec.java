package io.embedflow.orchestrator.metadata;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered refresh spec as the metadata store keeps it. The store does not read the YAML:
 * parsing and validating it is the schedule's business ({@code io.embedflow.orchestrator.schedule}).
 *
 * @param name the spec's unique name
 * @param tenant the team it belongs to, kept beside the YAML so the queue can group without parsing
 * @param yaml the spec's canonical YAML
 * @param paused whether its automatic triggers are suspended
 * @param createdAt when it was first added
 * @param updatedAt when it was last added, replaced, paused or resumed
 */
public record StoredSpec(String name, String tenant, String yaml, boolean paused, Instant createdAt, Instant updatedAt) {

    public StoredSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public StoredSpec withPaused(boolean paused, Instant at) {
        return new StoredSpec(name, tenant, yaml, paused, createdAt, at);
    }
}
