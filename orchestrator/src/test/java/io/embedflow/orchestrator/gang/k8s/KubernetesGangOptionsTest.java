package io.embedflow.orchestrator.gang.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.k8s.KubernetesGangOptions.Toleration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KubernetesGangOptionsTest {

    static KubernetesGangOptions.Builder required() {
        return KubernetesGangOptions.builder().setNamespace("ml").setImage("embedflow:1").setQueue("gpu");
    }

    @Test
    void everythingButNamespaceImageAndQueueHasADefault() {
        KubernetesGangOptions options = required().build();

        assertThat(options.workerCommand()).containsExactly("embedflow", "gang-worker");
        assertThat(options.coordinatorPort()).isEqualTo(29500);
        assertThat(options.cpuPerWorker()).isEqualTo("1");
        assertThat(options.serviceAccount()).isEmpty();
        assertThat(options.credentialsSecret()).isEmpty();
        assertThat(options.nodeSelector()).isEmpty();
        assertThat(options.tolerations()).isEmpty();
    }

    @Test
    void aMissingOrMalformedSettingIsNamed() {
        assertThatThrownBy(() -> KubernetesGangOptions.builder().setImage("embedflow:1").setQueue("gpu").build())
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> required().setQueue(null).build())
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("queue");
        assertThatThrownBy(() -> required().setImage("embedflow 1").build())
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("'embedflow 1'");
        assertThatThrownBy(() -> required().optCpuPerWorker("0").build())
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("CPU per worker");
        assertThatThrownBy(() -> required().optCoordinatorPort(70000).build())
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("70000");
        assertThat(required().optCpuPerWorker("500m").build().cpuPerWorker()).isEqualTo("500m");
    }

    @Test
    void aValueGoesWithEqualOnly() {
        assertThat(Toleration.equal("gpu", "a100", Toleration.Effect.NO_SCHEDULE).value()).contains("a100");
        assertThatThrownBy(() -> new Toleration("gpu", Toleration.Operator.EXISTS, Optional.of("a100"), Optional.empty()))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("'gpu'");
    }
}
