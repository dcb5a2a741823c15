package io.embedflow.orchestrator.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.queue.Requeue;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(3, 1, Duration.ofSeconds(10), Duration.ofSeconds(60));

    @Test
    void theWaitDoublesUpToItsCapWithASpreadOfAtMostAFifth() {
        assertThat(policy.next(Requeue.TRANSIENT, 0, 7).orElseThrow()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
        assertThat(policy.next(Requeue.TRANSIENT, 1, 7).orElseThrow()).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(24));
        assertThat(policy.next(Requeue.TRANSIENT, 2, 7).orElseThrow()).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(48));
        assertThat(new RetryPolicy(99, 0, Duration.ofSeconds(10), Duration.ofSeconds(60)).next(Requeue.TRANSIENT, 40, 7))
                .contains(Duration.ofSeconds(60));
        assertThat(policy.next(Requeue.TRANSIENT, 1, 7)).as("the same for the same request").isEqualTo(policy.next(Requeue.TRANSIENT, 1, 7));
    }

    @Test
    void eachClassHasItsOwnBudget() {
        assertThat(policy.next(Requeue.TRANSIENT, 3, 1)).isEmpty();
        assertThat(policy.next(Requeue.PREEMPTION, 0, 1)).isPresent();
        assertThat(policy.next(Requeue.PREEMPTION, 1, 1)).isEmpty();
        assertThat(policy.next(Requeue.RELEASED, 1000, 1)).as("a release is not a retry").isPresent();
    }
}
