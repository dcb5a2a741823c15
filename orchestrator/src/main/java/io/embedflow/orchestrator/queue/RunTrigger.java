package io.embedflow.orchestrator.queue;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.Objects;

/**
 * What caused a run request: its kind, and a short human-readable detail (the cron expression
 * that fired, the data snapshot that appeared, the alias move, the upstream run id, the user).
 *
 * @param kind what sort of event it was
 * @param detail at most {@value #MAX_DETAIL_LENGTH} characters; may be empty, never null
 */
public record RunTrigger(Kind kind, String detail) {

    public static final int MAX_DETAIL_LENGTH = 2000;

    /** The events that start a run (issue 6, item 2). */
    public enum Kind {
        /** A cron schedule fired. */
        SCHEDULE,
        /** The dataset's data snapshot changed. */
        NEW_DATA,
        /** The model alias the spec names moved to another version. */
        MODEL_ALIAS,
        /** Another spec's run finished successfully. */
        UPSTREAM_RUN,
        /** A person asked for it. */
        MANUAL
    }

    public RunTrigger {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        if (detail.length() > MAX_DETAIL_LENGTH) {
            throw new OrchestratorException("a " + kind + " trigger's detail has " + detail.length()
                    + " characters, more than " + MAX_DETAIL_LENGTH);
        }
    }

    public static RunTrigger manual(String who) {
        return new RunTrigger(Kind.MANUAL, who);
    }
}
