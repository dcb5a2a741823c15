package io.embedflow.djl.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.TestModels;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.text.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextEmbedderTest {
    private static final List<String> TEXTS = List.of(
            "hello",
            "the river runs through the old city",
            "a quick test of the model with a somewhat longer sentence about data tables and vectors",
            "zyxwvut unknownword",
            "short one",
            "the customer placed an order for a product at a fair price in the store on monday morning");

    @Test
    void batchedVectorsEqualEmbeddingEachTextAlone() {
        for (String model : List.of("starter", "tiny-tuple", "tiny-dict")) {
            Path dir = model.equals("starter") ? TestModels.starter() : TestModels.fixture(model);
            try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(dir), DeviceRequest.CPU)) {
                List<Tokens> tokens = new ArrayList<>();
                for (String t : TEXTS) {
                    tokens.add(embedder.tokenizer().encode(t));
                }
                float[][] batched = embedder.embed(tokens);
                assertThat(batched.length).isEqualTo(TEXTS.size());
                for (int i = 0; i < TEXTS.size(); i++) {
                    float[] alone = embedder.embedText(TEXTS.get(i));
                    assertThat(alone).hasSize(embedder.dimension());
                    assertThat(maxAbsDiff(alone, batched[i])).as(model + " text " + i).isLessThanOrEqualTo(1e-5f);
                }
            }
        }
    }

    @Test
    void starterModelHas128DimensionsAndUnitVectors() {
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.starter()), DeviceRequest.CPU)) {
            assertThat(embedder.dimension()).isEqualTo(128);
            float[] v = embedder.embedText("the river runs through the city");
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(embedder.embedText("another text entirely")).isNotEqualTo(v);
        }
    }

    @Test
    void clsPoolingWithoutNormalizationFromTupleOutput() {
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.fixture("tiny-tuple")), DeviceRequest.CPU)) {
            assertThat(embedder.dimension()).isEqualTo(32);
            float[] v = embedder.embedText("hello world");
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            assertThat(Math.sqrt(norm)).isGreaterThan(1.5);
        }
    }

    @Test
    void aBfloat16ModelRunsInItsOwnPrecisionAndGivesFloatVectors() {
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.fixture("tiny-bf16")), DeviceRequest.CPU)) {
            assertThat(embedder.dimension()).isEqualTo(32);
            List<Tokens> tokens = new ArrayList<>();
            for (String t : TEXTS) {
                tokens.add(embedder.tokenizer().encode(t));
            }
            float[][] batched = embedder.embed(tokens);
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] alone = embedder.embedText(TEXTS.get(i));
                double norm = 0;
                for (float x : alone) {
                    norm += x * x;
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
                // bfloat16 keeps ~3 significant digits: padding changes the last bits of a batch's numbers
                assertThat(maxAbsDiff(alone, batched[i])).isLessThanOrEqualTo(5e-2f);
            }
        }
    }

    @Test
    void textsLongerThanMaxLengthAreTruncatedAndFlagged() {
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.fixture("tiny-tuple")), DeviceRequest.CPU)) {
            Tokens shortOne = embedder.tokenizer().encode("hello world");
            Tokens longOne = embedder.tokenizer().encode("word ".repeat(100));
            assertThat(shortOne.truncated()).isFalse();
            assertThat(longOne.truncated()).isTrue();
            assertThat(longOne.length()).isEqualTo(16);
        }
    }

    @Test
    void missingTokenizerIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOf(TestModels.fixture("tiny-dict"), tmp.resolve("m"));
        Files.delete(dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> ModelDirectory.open(dir))
                .isInstanceOf(DjlOpsException.class)
                .hasMessageContaining("tokenizer.json");
    }

    @Test
    void unreadableTorchScriptIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOf(TestModels.fixture("tiny-dict"), tmp.resolve("m"));
        Files.writeString(dir.resolve("tiny-dict.pt"), "this is not a torchscript archive");
        assertThatThrownBy(() -> TextEmbedder.load(ModelDirectory.open(dir), DeviceRequest.CPU))
                .isInstanceOf(DjlOpsException.class)
                .hasMessageContaining("tiny-dict.pt");
    }

    @Test
    void badPoolingIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOf(TestModels.fixture("tiny-dict"), tmp.resolve("m"));
        Files.writeString(dir.resolve("serving.properties"), "pooling=max\n");
        assertThatThrownBy(() -> ModelDirectory.open(dir))
                .isInstanceOf(DjlOpsException.class)
                .hasMessageContaining("serving.properties")
                .hasMessageContaining("pooling");
    }

    @Test
    void gpuRequestWithoutGpuIsAClearError() {
        assertThat(DeviceRequest.parse("gpu:1")).isEqualTo(new DeviceRequest(DeviceRequest.Kind.GPU, 1));
        assertThatThrownBy(() -> DeviceRequest.parse("tpu")).hasMessageContaining("'tpu'");
        assertThatThrownBy(() -> DeviceRequest.parse("gpu:7").resolve(ai.djl.engine.Engine.getEngine("PyTorch")))
                .isInstanceOf(DjlOpsException.class)
                .hasMessageContaining("gpu:7");
    }

    static Path copyOf(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
