package io.embedflow.orchestrator.gang.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.cli.Main;
import io.embedflow.orchestrator.demo.StarterModel;
import io.embedflow.orchestrator.train.TrainPlan;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embedflow train --gang-queue}: the gang runs as a JobSet in the tenant's Kueue queue, its
 * workers get GPUs, the GPU nodes' selector and toleration, and the orchestrator's home on the shared
 * volume at the same path; a failed member fails the training once the restart budget is spent.
 * The test plays the Job controller and the kubelet ({@link JobController}).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesTrainCliTest {

    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path tmp;

    @BeforeEach
    void pointTheClientAtTheMockServer() {
        MockServerLogs.quiet();
        MockServerClientProperties.pointAt(client, null);
    }

    @AfterEach
    void clearClientProperties() {
        MockServerClientProperties.clear();
    }

    static int cli(StringWriter err, String... args) {
        return Main.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    @Test
    void aTrainingGangRunsAsAJobSetInTheTenantsQueueWithGpusAndTheSharedHome() throws Exception {
        Path home = tmp.resolve("home");
        assertThat(cli(new StringWriter(), "--home", home.toString(), "model", "import",
                StarterModel.extractTo(tmp.resolve("model")).toString(), "--name", "starter")).isZero();
        Path pairs = tmp.resolve("pairs");
        writePairs(pairs, 24);

        StringWriter err = new StringWriter();
        CompletableFuture<Integer> train = CompletableFuture.supplyAsync(() -> cli(err, "--home", home.toString(), "train",
                "--base", "starter", "--pairs", pairs.toString(), "--workers", "2", "--device", "gpu",
                "--devices-per-worker", "1", "--steps", "4", "--batch", "8", "--restart-budget", "0", "--no-progress",
                "--gang-queue", "ml/search", "--worker-image", "registry.example.com/embedflow:0.1.0",
                "--node-selector", "nvidia.com/gpu.present=true", "--toleration", "nvidia.com/gpu"));

        GenericKubernetesResource jobSet = awaitJobSet();
        String name = jobSet.getMetadata().getName();
        assertThat(jobSet.getMetadata().getLabels()).containsEntry(GangJobSet.QUEUE_LABEL, "search");
        JobController jobs = new JobController(client, "ml");
        PodSpec pod = jobs.jobTemplate(name).getSpec().getTemplate().getSpec();
        Container worker = pod.getContainers().get(0);
        assertThat(worker.getImage()).isEqualTo("registry.example.com/embedflow:0.1.0");
        assertThat(worker.getResources().getLimits()).containsEntry(GangJobSet.GPU_RESOURCE, new Quantity("1"));
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        String homePath = home.toAbsolutePath().normalize().toString();
        assertThat(pod.getVolumes()).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("embedflow-data"));
        assertThat(worker.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo(homePath));
        String plan = worker.getCommand().get(worker.getCommand().size() - 1);
        assertThat(plan).startsWith(homePath).endsWith(TrainPlan.FILE);
        assertThat(Path.of(plan)).as("the plan the workers read, on the shared home").exists();

        jobs.createPods(name);
        jobs.running(name, 0);
        jobs.running(name, 1);
        jobs.exited(name, 1, 137, "OOMKilled");

        assertThat(train.get(60, TimeUnit.SECONDS)).isNotZero();
        assertThat(err.toString()).contains("training gang failed after 1 attempt(s)");
    }

    @Test
    void aQueueWithoutAnImageIsRefused() {
        StringWriter err = new StringWriter();
        assertThat(cli(err, "--home", tmp.resolve("home").toString(), "train", "--base", "starter", "--pairs",
                tmp.toString(), "--steps", "1", "--gang-queue", "search")).isNotZero();
        assertThat(err.toString()).contains("--gang-queue needs --worker-image");
    }

    private GenericKubernetesResource awaitJobSet() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<GenericKubernetesResource> jobSets = client.genericKubernetesResources(GangJobSet.CONTEXT).inNamespace("ml")
                    .list().getItems();
            if (!jobSets.isEmpty()) {
                return jobSets.get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no JobSet was created");
    }

    static final MessageType PAIRS = MessageTypeParser.parseMessageType(
            "message pairs { required binary query (STRING); required binary positive (STRING); }");
    static final String[] WORDS = {"river", "stone", "paper", "engine", "garden", "signal", "copper", "window"};

    static void writePairs(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        java.util.Random random = new java.util.Random(3);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("pairs.parquet")))
                .withConf(new PlainParquetConfiguration()).withType(PAIRS).build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(PAIRS);
            for (int i = 0; i < n; i++) {
                String a = WORDS[random.nextInt(WORDS.length)];
                String b = WORDS[random.nextInt(WORDS.length)];
                writer.write(groups.newGroup().append("query", a + " " + b + " " + i).append("positive", "the " + b + " " + a + " " + i));
            }
        }
    }
}
