package io.embedflow.orchestrator.metadata;

import java.time.Instant;
import java.util.Objects;

/**
 * One firing of a refresh spec's trigger, as logged.
 *
 * @param seq its number, unique and increasing across all specs
 * @param spec the spec that fired
 * @param kind the trigger kind ({@code CRON}, {@code NEW_DATA}, {@code MODEL_ALIAS}, {@code AFTER}, {@code MANUAL})
 * @param detail what caused it, for people
 * @param firedAt when it fired
 * @param consumedBy what took it (a queue entry or run id); null while it waits
 * @param consumedAt when it was taken; null while it waits
 */
public record TriggerLogEntry(long seq, String spec, String kind, String detail, Instant firedAt, String consumedBy,
        Instant consumedAt) {

    public TriggerLogEntry {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(firedAt, "firedAt");
    }

    /** A firing about to be logged: {@link SpecTables} gives it its number. */
    public record New(String kind, String detail, Instant firedAt) {
        public New {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(firedAt, "firedAt");
        }
    }
}
