package io.embedflow.orchestrator.schedule;

import io.embedflow.orchestrator.metadata.TriggerLogEntry;
import java.time.Instant;
import java.util.Objects;

/**
 * One firing of a trigger of a refresh spec: a request for a run, logged before anyone sees it.
 * The run it leads to records {@link #id()} as what triggered it.
 *
 * @param id the firing's number in the trigger log (unique, increasing)
 * @param spec the spec that fired
 * @param kind which trigger fired
 * @param detail what caused it, for people ({@code data snapshot changed: 3f9a... -> 77c0...})
 * @param firedAt when it fired
 */
public record TriggerFiring(long id, String spec, TriggerKind kind, String detail, Instant firedAt) {

    public TriggerFiring {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(firedAt, "firedAt");
    }

    static TriggerFiring of(TriggerLogEntry entry) {
        return new TriggerFiring(entry.seq(), entry.spec(), TriggerKind.valueOf(entry.kind()), entry.detail(), entry.firedAt());
    }
}
