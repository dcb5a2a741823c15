package io.embedflow.orchestrator.schedule;

import io.embedflow.orchestrator.metadata.SpecState;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

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

    /**
     * When its cron trigger is next due, after what {@code state} has accounted for (or {@code now},
     * whichever is earlier); empty without a cron trigger, while paused, or when no time is due.
     */
    public Optional<Instant> nextCronDue(SpecState state, Instant now) {
        CronSchedule cron = spec.triggers().cron();
        if (cron == null || paused) {
            return Optional.empty();
        }
        Instant from = state.cronCheckedAt() == null || state.cronCheckedAt().isAfter(now) ? now : state.cronCheckedAt();
        return cron.nextDueAfter(from);
    }
}
