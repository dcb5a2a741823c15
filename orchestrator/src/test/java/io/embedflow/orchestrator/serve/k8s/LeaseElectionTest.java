package io.embedflow.orchestrator.serve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaseElectionTest {

    @Test
    void defaultsAreFifteenTenAndTwoSecondsAndScaleWithTheLeaseDuration() {
        LeaseElection election = LeaseElection.builder().setLease("ml/embedflow-serve").optIdentity("pod-0#1").build();
        LeaseElection longer = LeaseElection.builder().setLease("ml/embedflow-serve").optIdentity("pod-0#1")
                .optLeaseDuration(Duration.ofSeconds(30)).build();

        assertThat(election.namespace()).isEqualTo("ml");
        assertThat(election.lease()).isEqualTo("embedflow-serve");
        assertThat(election.leaseRef()).isEqualTo("ml/embedflow-serve");
        assertThat(election.leaseDuration()).hasSeconds(15);
        assertThat(election.renewDeadline()).hasSeconds(10);
        assertThat(election.retryPeriod()).hasSeconds(2);
        assertThat(longer.renewDeadline()).hasSeconds(20);
        assertThat(longer.retryPeriod()).hasSeconds(4);
    }

    @Test
    void theLeaseIsTwoKubernetesNames() {
        for (String bad : new String[] {"embedflow-serve", "ml/", "/lease", "ml/a/b", "ML/lease", "ml/Lease", "-ml/lease",
                "ml/lease_1", "a".repeat(64) + "/lease"}) {
            assertThatThrownBy(() -> LeaseElection.builder().setLease(bad)).as(bad).isInstanceOf(OrchestratorException.class)
                    .hasMessageContaining(bad.contains("/") ? "" : bad);
        }
        assertThat(LeaseElection.builder().setLease("ml-prod/serve.leader").optIdentity("x").build().lease())
                .isEqualTo("serve.leader");
    }

    @Test
    void theRenewDeadlineIsShorterThanTheLeaseAndTheRetryPeriodShorterThanTheDeadline() {
        assertThatThrownBy(() -> LeaseElection.builder().setLease("ml/l").optIdentity("x").optLeaseDuration(Duration.ofSeconds(10))
                .optRenewDeadline(Duration.ofSeconds(10)).build()).hasMessageContaining("renew deadline (PT10S) must be shorter");
        assertThatThrownBy(() -> LeaseElection.builder().setLease("ml/l").optIdentity("x").optRenewDeadline(Duration.ofSeconds(2))
                .optRetryPeriod(Duration.ofSeconds(2)).build()).hasMessageContaining("retry period (PT2S) must be shorter");
        assertThatThrownBy(() -> LeaseElection.builder().setLease("ml/l").optIdentity("x")
                .optLeaseDuration(Duration.ofMillis(1500)).build()).hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> LeaseElection.builder().setLease("ml/l").optIdentity("x").optLeaseDuration(Duration.ZERO).build())
                .hasMessageContaining("lease duration must be longer than zero");
    }

    @Test
    void theIdentityIsThePodAndTheProcess() {
        assertThat(LeaseElection.identityOf(Map.of("POD_NAME", "serve-7d9f-x2", "HOSTNAME", "h"), 42)).isEqualTo("serve-7d9f-x2#42");
        assertThat(LeaseElection.identityOf(Map.of("HOSTNAME", "serve-7d9f-x2"), 42)).isEqualTo("serve-7d9f-x2#42");
        assertThat(LeaseElection.identityOf(Map.of(), 42)).endsWith("#42").hasSizeGreaterThan(3);
    }
}
