package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.Objects;

/**
 * What started a run of a refresh spec: the spec, the trigger that fired, and the firing and queue
 * request it went through. Runs started by hand ({@code embed}, {@code runs replay}) have none.
 *
 * @param spec the refresh spec's name
 * @param triggerKind the firing's kind as the trigger log names it: {@code CRON}, {@code NEW_DATA},
 *     {@code MODEL_ALIAS}, {@code AFTER} or {@code MANUAL}
 * @param triggerDetail what caused it, for people; never null
 * @param firing the firing's number in the trigger log; null when there is none
 * @param queueRequest the run queue request it ran for; null when it did not go through the queue.
 *     A request that was retried has several runs
 */
public record RunOrigin(String spec, String triggerKind, String triggerDetail, Long firing, Long queueRequest) {

    /** Longest spec name and trigger kind the run table holds. */
    public static final int MAX_SPEC_LENGTH = 64;
    public static final int MAX_KIND_LENGTH = 20;

    public RunOrigin {
        if (spec == null || spec.isBlank() || spec.length() > MAX_SPEC_LENGTH) {
            throw new OrchestratorException("a run's origin needs a spec name of 1 to " + MAX_SPEC_LENGTH
                    + " characters, got '" + spec + "'");
        }
        if (triggerKind == null || triggerKind.isBlank() || triggerKind.length() > MAX_KIND_LENGTH) {
            throw new OrchestratorException("run origin of spec " + spec + " has an invalid trigger kind '" + triggerKind + "'");
        }
        Objects.requireNonNull(triggerDetail, "triggerDetail");
    }

    /** This origin, for queue request {@code id}. */
    public RunOrigin withQueueRequest(long id) {
        return new RunOrigin(spec, triggerKind, triggerDetail, firing, id);
    }

    /** One line for people: {@code CRON (firing 12): cron 0 3 * * * due at ...}. */
    public String describeTrigger() {
        return triggerKind + (firing == null ? "" : " (firing " + firing + ")") + (triggerDetail.isEmpty() ? "" : ": " + triggerDetail);
    }
}
