package io.embedflow.orchestrator.schedule;

import java.time.Instant;
import java.util.Objects;

/**
 * A refresh spec as registered: the spec and its standing in the schedule.
 *
 * @param spec the spec
 * @param paused whether its automatic triggers are suspended (a manual trigger still works)
 * @param createdAt when it was first added
 * @param updatedAt when it was last added, replaced, paused or resumed
 */
public record ScheduledSpec(RefreshSpec spec, boolean paused, Instant createdAt, Instant updatedAt) {
    public ScheduledSpec {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public String name() {
        return spec.name();
    }
}
