package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.queue.Requeue;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How often, and after how long, a failed request is put back in line: each retryable
 * {@link FailureClass} has a budget of its own, counted per request by the queue, and the wait
 * grows exponentially from {@code backoff}, capped at {@code maxBackoff}, with a deterministic
 * spread of up to a fifth so that requests failing together do not return together.
 *
 * @param transientRetries retries after transient failures, per request
 * @param preemptionRetries retries after preemptions, per request
 * @param backoff the wait before the first retry of a class
 * @param maxBackoff the longest wait
 */
public record RetryPolicy(int transientRetries, int preemptionRetries, Duration backoff, Duration maxBackoff) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(3, 5, Duration.ofSeconds(30), Duration.ofMinutes(10));

    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (transientRetries < 0 || preemptionRetries < 0) {
            throw new OrchestratorException("retry budgets cannot be negative (transient " + transientRetries + ", preemption "
                    + preemptionRetries + ")");
        }
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
            throw new OrchestratorException("retry backoff " + backoff + " must be at least 0 and at most its cap " + maxBackoff);
        }
    }

    /** The budget of {@code reason}; a release ({@link Requeue#RELEASED}) has no limit. */
    public int budget(Requeue reason) {
        return switch (reason) {
            case TRANSIENT -> transientRetries;
            case PREEMPTION -> preemptionRetries;
            case RELEASED -> Integer.MAX_VALUE;
        };
    }

    /**
     * The wait before retry number {@code done + 1} of {@code reason} for request {@code requestId};
     * empty when {@code done} retries used up the budget.
     */
    public Optional<Duration> next(Requeue reason, int done, long requestId) {
        if (done >= budget(reason)) {
            return Optional.empty();
        }
        long base = backoff.toMillis();
        long grown = done >= 30 ? Long.MAX_VALUE : base << Math.min(done, 30);
        long capped = grown < 0 || grown > maxBackoff.toMillis() ? maxBackoff.toMillis() : grown;
        // spread by up to a fifth, the same for the same request and retry
        long spread = capped / 5 == 0 ? 0 : Math.floorMod(Long.hashCode(requestId * 31 + done) * 0x9E3779B1L, capped / 5 + 1);
        return Optional.of(Duration.ofMillis(Math.min(maxBackoff.toMillis(), capped + spread)));
    }
}
