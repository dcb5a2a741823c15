package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.queue.Requeue;
import java.util.Optional;

/** What a failed run's failure says about trying again. */
public enum FailureClass {
    /** It passes by itself (Flink or a store unreachable, throttling, a 5xx): retry with backoff. */
    TRANSIENT,
    /** The run lost its resources (a task manager, the process running it): retry, on a budget of its own. */
    PREEMPTION,
    /** Bad input, a bad model, a bug: the same run would fail the same way. No retry. */
    FATAL;

    /** How the queue counts a retry of this class; empty for {@link #FATAL}. */
    public Optional<Requeue> requeue() {
        return switch (this) {
            case TRANSIENT -> Optional.of(Requeue.TRANSIENT);
            case PREEMPTION -> Optional.of(Requeue.PREEMPTION);
            case FATAL -> Optional.empty();
        };
    }
}
