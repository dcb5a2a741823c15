package io.embedflow.tests.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.orchestrator.gang.k8s.GangJobSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed JobSet example is what the orchestrator renders today, and it is admissible. */
class JobSetExampleTest {

    private static final String REGENERATE = "embedflow.regenerate";

    @Test
    void theCommittedExampleIsWhatGangJobSetRendersNow() throws IOException {
        Path file = Manifests.k8sDir().resolve(JobSetExample.FILE);
        if (Boolean.getBoolean(REGENERATE)) {
            JobSetExample.write(Manifests.k8sDir());
        }

        assertThat(Files.readString(file))
                .as("%s differs from what GangJobSet renders; regenerate it (see JobSetExample)", file)
                .isEqualTo(JobSetExample.render());
    }

    @Test
    void theExampleIsQueuedInKueueAndRequestsAGpuPerWorker() {
        List<K8sObject> objects = Manifests.read(Manifests.k8sDir().resolve(JobSetExample.FILE));

        assertThat(objects).hasSize(1);
        JsonNode jobSet = objects.get(0).node();
        assertThat(jobSet.path("metadata").path("labels").path(GangJobSet.QUEUE_LABEL).asText()).isEqualTo("search");
        JsonNode job = jobSet.path("spec").path("replicatedJobs").path(0).path("template").path("spec");
        assertThat(job.path("parallelism").asInt()).isEqualTo(2);
        JsonNode resources = job.path("template").path("spec").path("containers").path(0).path("resources");
        assertThat(resources.path("requests").path(GangJobSet.GPU_RESOURCE).asText()).isEqualTo("1");
        assertThat(resources.path("limits").path(GangJobSet.GPU_RESOURCE).asText()).isEqualTo("1");
    }

    @Test
    void theExampleMeetsTheRulesOfEveryOtherManifest() {
        List<K8sObject> objects = Manifests.read(Manifests.k8sDir().resolve(JobSetExample.FILE));

        assertThat(PodRules.check(objects)).isEmpty();
    }
}
