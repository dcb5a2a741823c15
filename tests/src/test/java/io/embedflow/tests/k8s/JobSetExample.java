package io.embedflow.tests.k8s;

import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.k8s.GangJobSet;
import io.embedflow.orchestrator.gang.k8s.KubernetesGangOptions;
import io.embedflow.orchestrator.gang.k8s.KubernetesGangOptions.Toleration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code k8s/gangs/jobset-example.yaml}: the JobSet that {@link GangJobSet} renders for the gang
 * below. {@link JobSetExampleTest} fails when the file and the renderer disagree; regenerate it with
 * <pre>
 * mvn -o -q -pl tests -am test -Dtest=JobSetExampleTest -Dsurefire.failIfNoSpecifiedTests=false -Dembedflow.regenerate=true
 * </pre>
 * or by running {@link #main} from the {@code tests} module.
 */
public final class JobSetExample {

    static final String FILE = "gangs/jobset-example.yaml";
    static final String HEADER = """
            # The JobSet the orchestrator creates (GangJobSet) for attempt 0 of a gang of 2 workers with 1 GPU
            # each, queued in the tenant search's LocalQueue, with the gpu overlay's settings. Generated:
            # JobSetExampleTest fails when it differs from what GangJobSet renders (see JobSetExample).
            """;

    static final GangRequest REQUEST = new GangRequest("finetune-minilm", 2, 1, "16Gi",
            List.of("/var/lib/embedflow/train/r-20261129-0900-5f3a/" + io.embedflow.orchestrator.train.TrainPlan.FILE), Map.of(), Duration.ofMinutes(10), 2);

    static final KubernetesGangOptions OPTIONS = KubernetesGangOptions.builder()
            .setNamespace("embedflow")
            .setImage("embedflow/orchestrator:0.1.0")
            .setQueue("search")
            .optNodeSelector(Map.of("nvidia.com/gpu.present", "true"))
            .optToleration(Toleration.exists("nvidia.com/gpu", Toleration.Effect.NO_SCHEDULE))
            .optCpuPerWorker("4")
            .optCredentialsSecret("embedflow-s3")
            .optSharedVolume("embedflow-data", "/var/lib/embedflow")
            .build();

    private JobSetExample() {
    }

    /** The file's content as it should be now. */
    static String render() {
        return HEADER + GangJobSet.yaml(REQUEST, 0, OPTIONS);
    }

    static void write(Path k8sDir) throws IOException {
        Files.writeString(k8sDir.resolve(FILE), render());
    }

    public static void main(String[] args) throws IOException {
        write(Manifests.k8sDir());
        System.out.println("wrote " + Manifests.k8sDir().resolve(FILE));
    }
}
