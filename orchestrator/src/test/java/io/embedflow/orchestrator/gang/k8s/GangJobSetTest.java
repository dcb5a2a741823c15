package io.embedflow.orchestrator.gang.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendering without a cluster: names, limits and the YAML that docs show. */
class GangJobSetTest {

    static final KubernetesGangOptions OPTIONS = KubernetesGangLauncherTest.options();

    static GangRequest request(String gangId, int workers, int devices) {
        return new GangRequest(gangId, workers, devices, "32Gi", List.of("--config", "/etc/train.yaml"),
                Map.of(), Duration.ofMinutes(10), 2);
    }

    @Test
    void twoWorkersWithFourGpusEachRenderAsTheDocumentedYaml() throws IOException {
        String yaml = GangJobSet.yaml(request("train", 2, 4), 0, OPTIONS);

        assertThat(yaml).isEqualTo(resource("jobset-2x4.yaml"));
    }

    @Test
    void namesCarryTheGangAndTheAttemptAndStartWithALetter() {
        assertThat(GangJobSet.name("train", 3)).isEqualTo("train-a3");
        assertThat(GangJobSet.name("7b-tune", 0)).isEqualTo("g-7b-tune-a0");
        assertThat(GangJobSet.coordinator("7b-tune", 0, 29500)).isEqualTo("g-7b-tune-a0-workers-0-0.g-7b-tune-a0:29500");
    }

    @Test
    void aGangWhoseHostNamesWouldBeTooLongIsRefused() {
        String longest = "a".repeat(40);
        assertThat(GangJobSet.jobSet(request(longest, 9, 1), 99, OPTIONS).getMetadata().getName()).hasSize(44);

        assertThatThrownBy(() -> GangJobSet.jobSet(request(longest, 100_000, 1), 999_999, OPTIONS))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("gang " + longest)
                .hasMessageContaining("longer than 63 characters");
    }

    @Test
    void theRequestMayNotSetTheVariablesTheLauncherSets() {
        GangRequest request = new GangRequest("train", 2, 1, "8Gi", List.of(), Map.of(GangRequest.RANK_ENV, "0"),
                Duration.ofMinutes(1), 0);

        assertThatThrownBy(() -> GangJobSet.jobSet(request, 0, OPTIONS))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("gang train: its environment sets EMBEDFLOW_GANG_RANK, which the launcher sets for every member");
    }

    @Test
    void withoutAServiceAccountWorkersGetNoApiToken() {
        Object automount = GangJobSet.jobSet(request("train", 1, 0), 0, OPTIONS)
                .get("spec", "replicatedJobs", 0, "template", "spec", "template", "spec", "automountServiceAccountToken");
        assertThat(automount).isEqualTo(false);

        KubernetesGangOptions withAccount = KubernetesGangOptions.builder().setNamespace("ml").setImage("embedflow:1")
                .setQueue("q").optServiceAccount("trainer").build();
        Map<String, Object> pod = GangJobSet.jobSet(request("train", 1, 0), 0, withAccount)
                .get("spec", "replicatedJobs", 0, "template", "spec", "template", "spec");
        assertThat(pod).containsEntry("serviceAccountName", "trainer").doesNotContainKey("automountServiceAccountToken");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = GangJobSetTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
