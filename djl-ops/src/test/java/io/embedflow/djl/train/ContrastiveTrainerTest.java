package io.embedflow.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.TestModels;
import io.embedflow.djl.collective.Collective;
import io.embedflow.djl.collective.CollectiveOptions;
import io.embedflow.djl.collective.GangCoordinator;
import io.embedflow.djl.collective.GangMember;
import io.embedflow.djl.collective.RingAllReduce;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContrastiveTrainerTest {
    private static final ContrastiveOptions OPTIONS = ContrastiveOptions.DEFAULT.withLearningRate(1e-3f);
    /**
     * For comparing runs that sum the same gradients in another order: Adam divides by the root of the
     * second moment, so with epsilon 1e-8 a coordinate whose gradient is at rounding level (1e-10 one way,
     * -1e-10 the other) moves by a whole step either way; an epsilon of 1e-3 keeps such noise small
     * while every real gradient still takes Adam's path.
     */
    private static final ContrastiveOptions COMPARABLE = new ContrastiveOptions(1e-3f, 0.05f, 0.01f, 0.9f, 0.999f, 1e-3f);
    private static final String[] WORDS = ("river city data table model vector search query user order product price "
            + "customer market garden window music travel coffee mountain").split(" ");

    @TempDir
    Path tmp;

    /** Pairs whose positive shares the query's words: learnable, and different from batch to batch. */
    static List<TrainingPair> pairs(int n, long seed, boolean hardNegatives) {
        Random random = new Random(seed);
        List<TrainingPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = WORDS[random.nextInt(WORDS.length)];
            String b = WORDS[random.nextInt(WORDS.length)];
            String c = WORDS[random.nextInt(WORDS.length)];
            out.add(new TrainingPair(a + " " + b, "the " + b + " and " + a + " " + c,
                    hardNegatives ? "the " + c + " and " + WORDS[random.nextInt(WORDS.length)] : null));
        }
        return out;
    }

    private static ModelDirectory starter() {
        return ModelDirectory.open(TestModels.starter());
    }

    @Test
    void lossDecreasesOnASmallPairSet() {
        List<TrainingPair> batch = pairs(16, 1, true);
        try (ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU), OPTIONS,
                GradientExchange.single())) {
            float first = trainer.step(batch);
            float last = first;
            for (int i = 0; i < 15; i++) {
                last = trainer.step(batch);
            }
            assertThat(first).isFinite().isPositive();
            assertThat(last).isLessThan(first * 0.7f);
            assertThat(trainer.step()).isEqualTo(16);
        }
    }

    @Test
    void twoMembersOnHalvesTakeTheSameStepsAsOneOnTheWholeBatch() throws Exception {
        List<List<TrainingPair>> batches = List.of(pairs(8, 2, false), pairs(8, 3, false), pairs(8, 4, false));
        float[] single;
        List<Float> singleLosses = new ArrayList<>();
        try (ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU), COMPARABLE,
                GradientExchange.single())) {
            for (List<TrainingPair> b : batches) {
                singleLosses.add(trainer.step(b));
            }
            single = trainer.parameters();
        }
        // two members in this JVM, joined by the ring all-reduce over loopback TCP
        CollectiveOptions options = CollectiveOptions.builder().optJoinTimeout(Duration.ofSeconds(30))
                .optStepTimeout(Duration.ofSeconds(60)).build();
        GangMember rank0 = GangMember.of(0, 2, "127.0.0.1:0", "trainer-test");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (GangCoordinator coordinator = GangCoordinator.start(rank0, options)) {
            GangMember base = rank0.withCoordinator(coordinator.address());
            List<Future<float[]>> members = new ArrayList<>();
            List<List<Float>> losses = List.of(new ArrayList<>(), new ArrayList<>());
            for (int rank = 0; rank < 2; rank++) {
                int r = rank;
                members.add(pool.submit((Callable<float[]>) () -> {
                    try (Collective collective = r == 0 ? RingAllReduce.join(base, options, coordinator)
                                    : RingAllReduce.join(base.withRank(r), options);
                            ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU),
                                    COMPARABLE, new CollectiveExchange(collective))) {
                        for (List<TrainingPair> b : batches) {
                            losses.get(r).add(trainer.step(b.subList(r * 4, r * 4 + 4)));
                        }
                        return trainer.parameters();
                    }
                }));
            }
            float[] rank0Params = members.get(0).get();
            float[] rank1Params = members.get(1).get();
            assertThat(rank1Params).containsExactly(rank0Params);
            assertThat(maxAbsDiff(rank0Params, single)).isLessThan(1e-5f);
            for (int i = 0; i < batches.size(); i++) {
                assertThat(losses.get(0).get(i)).isCloseTo(singleLosses.get(i), org.assertj.core.data.Offset.offset(1e-4f));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoDevicesInOneWorkerShareItsBatchAndTakeTheSameSteps() {
        List<TrainingPair> batch = pairs(8, 5, true);
        float[] one;
        float[] two;
        try (ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU), COMPARABLE,
                GradientExchange.single())) {
            trainer.step(batch);
            trainer.step(batch);
            one = trainer.parameters();
        }
        try (ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU, DeviceRequest.CPU),
                COMPARABLE, GradientExchange.single())) {
            trainer.step(batch);
            trainer.step(batch);
            two = trainer.parameters();
        }
        assertThat(maxAbsDiff(one, two)).isLessThan(1e-5f);
    }

    @Test
    void aResumedCheckpointContinuesExactlyAndTheExportedModelEmbedsLikeTheTrainer() {
        List<List<TrainingPair>> batches = List.of(pairs(8, 6, false), pairs(8, 7, false), pairs(8, 8, false),
                pairs(8, 9, false));
        Path checkpoint = tmp.resolve("ckpt-2");
        float[] straight;
        try (ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU), OPTIONS,
                GradientExchange.single())) {
            trainer.step(batches.get(0));
            trainer.step(batches.get(1));
            trainer.saveCheckpoint(checkpoint, 16);
            trainer.step(batches.get(2));
            trainer.step(batches.get(3));
            straight = trainer.parameters();
        }
        assertThat(ContrastiveTrainer.dataPosition(checkpoint)).isEqualTo(16);
        float[] resumed;
        Path exported = tmp.resolve("trained");
        List<String> texts = List.of("river data", "the coffee and mountain");
        float[][] fromTrainer;
        try (ContrastiveTrainer trainer = ContrastiveTrainer.resume(checkpoint, List.of(DeviceRequest.CPU), OPTIONS,
                GradientExchange.single())) {
            assertThat(trainer.step()).isEqualTo(2);
            trainer.step(batches.get(2));
            trainer.step(batches.get(3));
            resumed = trainer.parameters();
            trainer.exportModel(exported);
            fromTrainer = trainer.embed(texts);
        }
        assertThat(maxAbsDiff(straight, resumed)).isLessThan(1e-6f);
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(exported), DeviceRequest.CPU);
                TextEmbedder original = TextEmbedder.load(starter(), DeviceRequest.CPU)) {
            for (int i = 0; i < texts.size(); i++) {
                assertThat(maxAbsDiff(embedder.embedText(texts.get(i)), fromTrainer[i])).isLessThan(1e-5f);
            }
            assertThat(maxAbsDiff(embedder.embedText(texts.get(0)), original.embedText(texts.get(0))))
                    .as("training changed the model").isGreaterThan(1e-4f);
        }
    }

    @Test
    void mixedHardNegativesAndTooSmallShardsAreRefused() {
        try (ContrastiveTrainer trainer = ContrastiveTrainer.load(starter(), List.of(DeviceRequest.CPU, DeviceRequest.CPU),
                OPTIONS, GradientExchange.single())) {
            assertThatThrownBy(() -> trainer.step(List.of(new TrainingPair("a", "b", "c"), new TrainingPair("d", "e"))))
                    .isInstanceOf(DjlOpsException.class).hasMessageContaining("hard negative");
            assertThatThrownBy(() -> trainer.step(List.of(new TrainingPair("a", "b"))))
                    .isInstanceOf(DjlOpsException.class).hasMessageContaining("2 devices");
        }
        assertThatThrownBy(() -> new TrainingPair("q", " ")).hasMessageContaining("positive");
        assertThatThrownBy(() -> ContrastiveTrainer.load(ModelDirectory.open(TestModels.fixture("tiny-bf16")),
                List.of(DeviceRequest.CPU), OPTIONS, GradientExchange.single()))
                .isInstanceOf(DjlOpsException.class).hasMessageContaining("float32");
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
