package io.embedflow.djl.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.djl.TestModels;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.model.ModelDirectory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PipelinedEmbedderTest {
    @Test
    void everyItemGetsItsOwnVectorExactlyOnceWithinTheBudget() {
        Random random = new Random(5);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            int words = 1 + (int) Math.min(60, Math.exp(random.nextGaussian() * 0.9 + 2));
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < words; w++) {
                sb.append(w == 0 ? "" : " ").append(random.nextBoolean() ? "river" : "data").append(random.nextInt(9));
            }
            texts.add(sb.toString());
        }
        BatchingOptions batching = new BatchingOptions(64, 16, 300);
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.fixture("tiny-dict")), DeviceRequest.CPU)) {
            Map<Integer, float[]> vectors = new HashMap<>();
            List<Integer> order = new ArrayList<>();
            try (PipelinedEmbedder<Integer> pipeline = new PipelinedEmbedder<>(embedder, batching, 2, 2, texts::get,
                    (i, v, t) -> {
                        assertThat(vectors.put(i, v)).as("item " + i + " once").isNull();
                        order.add(i);
                    })) {
                for (int i = 0; i < texts.size(); i++) {
                    pipeline.add(i);
                }
                pipeline.flush();
                EmbedStats stats = pipeline.stats();
                assertThat(stats.rows()).isEqualTo(texts.size());
                assertThat(stats.paddedTokens()).isGreaterThanOrEqualTo(stats.tokens());
                assertThat(stats.batchFill()).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
                assertThat(stats.paddedTokens()).isLessThanOrEqualTo(stats.batches() * 300L + 32L * stats.batches());
            }
            assertThat(vectors).hasSize(texts.size());
            for (int i = 0; i < texts.size(); i += 7) {
                assertThat(TextEmbedderTest.maxAbsDiff(embedder.embedText(texts.get(i)), vectors.get(i))).isLessThanOrEqualTo(1e-5f);
            }
            assertThat(order).isNotEqualTo(order.stream().sorted().toList());
        }
    }

    @Test
    void aTokenizerFailureReachesTheCaller() {
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.fixture("tiny-dict")), DeviceRequest.CPU);
                PipelinedEmbedder<String> pipeline = new PipelinedEmbedder<>(embedder, new BatchingOptions(2, 2, 100), 1, 1,
                        s -> s, (s, v, t) -> { })) {
            pipeline.add("fine");
            pipeline.add(null);
            org.assertj.core.api.Assertions.assertThatThrownBy(pipeline::flush)
                    .isInstanceOf(io.embedflow.djl.DjlOpsException.class)
                    .hasMessageContaining("tokenization failed");
        }
    }
}
