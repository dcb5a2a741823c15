package io.embedflow.orchestrator.queue;

import java.util.Objects;

/**
 * The answer to {@link RunQueue#enqueue}: the queued request, and whether this call created it
 * ({@code false}: an active request with the same dedupe key already existed and is returned as is).
 */
public record Enqueued(QueuedRun run, boolean created) {

    public Enqueued {
        Objects.requireNonNull(run, "run");
    }
}
