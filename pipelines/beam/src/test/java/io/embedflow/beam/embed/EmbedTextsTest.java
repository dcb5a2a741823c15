package io.embedflow.beam.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.TestModels;
import io.embedflow.beam.read.TextRowCoder;
import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedTextsTest {
    private static final String MODEL = TestModels.starter().toString();

    @TempDir
    Path tmp;

    @Test
    void embedsEveryRowWithTextLikeTheModelAloneAndRejectsTheRestWithTheirReason() {
        // given rows of mixed lengths (some over the model's 128 tokens), and null, empty and blank texts
        Random random = new Random(7);
        List<TextRow> rows = new ArrayList<>();
        String[] words = "the river runs through old city data table model vector search query".split(" ");
        for (int i = 0; i < 240; i++) {
            String text;
            if (i % 40 == 0) {
                text = null;
            } else if (i % 40 == 1) {
                text = "";
            } else if (i % 40 == 2) {
                text = " \t ";
            } else {
                int n = i % 25 == 3 ? 200 : 1 + random.nextInt(30);
                StringBuilder sb = new StringBuilder();
                for (int w = 0; w < n; w++) {
                    sb.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
                }
                text = sb.toString();
            }
            rows.add(new TextRow(1000 + i, null, text, i % 3, i));
        }
        HashMap<Long, float[]> expected = new HashMap<>();
        HashMap<Long, String> hashes = new HashMap<>();
        int dimension;
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(TestModels.starter()), DeviceRequest.CPU)) {
            dimension = embedder.dimension();
            for (TextRow row : rows) {
                if (row.text != null && !row.text.isBlank()) {
                    expected.put(row.idLong, embedder.embedText(row.text));
                    hashes.put(row.idLong, ContentHash.of(row.text));
                }
            }
        }
        int dim = dimension;

        // when they are embedded in small windows and batches (many batches per bundle)
        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollectionTuple out = pipeline.apply(Create.of(rows).withCoder(TextRowCoder.of()))
                .apply(EmbedTexts.withModel(MODEL).withBatching(new BatchingOptions(32, 8, 512)).withTokenizerThreads(2));

        // then every row with text has one vector, equal to the model's own within 1e-5, with its hash
        PAssert.that(out.get(EmbedTexts.EMBEDDED)).satisfies(embedded -> {
            HashMap<Long, EmbeddedText> byId = new HashMap<>();
            for (EmbeddedText e : embedded) {
                assertThat(byId.put(e.idLong(), e)).as("one vector per row").isNull();
            }
            assertThat(byId.keySet()).isEqualTo(expected.keySet());
            long truncated = 0;
            for (EmbeddedText e : byId.values()) {
                assertThat(e.vector()).hasSize(dim);
                float[] want = expected.get(e.idLong());
                for (int i = 0; i < dim; i++) {
                    assertThat(e.vector()[i]).as("id %d [%d]", e.idLong(), i)
                            .isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
                assertThat(e.contentHash()).isEqualTo(hashes.get(e.idLong()));
                assertThat(e.rowInFile()).isEqualTo(e.idLong() - 1000);
                truncated += e.truncated() ? 1 : 0;
            }
            assertThat(truncated).as("the 200-word texts are cut to the model's maximum length").isGreaterThan(0);
            return null;
        });
        PAssert.that(out.get(EmbedTexts.REJECTED)).satisfies(rejected -> {
            List<String> reasons = new ArrayList<>();
            for (RejectedText r : rejected) {
                assertThat(r.idLong() - 1000).isEqualTo(r.rowInFile());
                assertThat(r.reason()).isEqualTo(r.text() == null ? "null text" : "empty text");
                reasons.add(r.reason());
            }
            assertThat(reasons).hasSize(18).containsOnly("null text", "empty text");
            assertThat(reasons.stream().filter("null text"::equals)).hasSize(6);
            return null;
        });
        pipeline.run().waitUntilFinish();
    }

    @Test
    void configurationErrorsNameTheField() {
        assertThatThrownBy(() -> EmbedTexts.withModel(" ")).isInstanceOf(BeamPipelineException.class)
                .hasMessageContaining("modelDir");
        EmbedTexts embed = EmbedTexts.withModel(MODEL);
        assertThatThrownBy(() -> embed.withDevice("tpu")).hasMessageContaining("device").hasMessageContaining("'tpu'");
        assertThatThrownBy(() -> embed.withTokenizerThreads(0)).hasMessageContaining("tokenizerThreads");
        assertThatThrownBy(() -> embed.withWindowsAhead(0)).hasMessageContaining("windowsAhead");
        assertThatThrownBy(() -> embed.withBatching(null)).hasMessageContaining("batching");
        assertThat(embed.withTokenizerThreads(3).tokenizerThreads()).isEqualTo(3);
        assertThat(embed.tokenizerThreads()).as("withX returns a copy").isEqualTo(1);

        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        var rows = pipeline.apply(Create.of(List.of(new TextRow(1, null, "a", 0, 0))).withCoder(TextRowCoder.of()));
        assertThatThrownBy(() -> rows.apply(EmbedTexts.withModel("/no/such/model")))
                .hasMessageContaining("modelDir").hasMessageContaining("/no/such/model");

        assertThatThrownBy(() -> EmbedTexts.withModelSnapshot(" ", "ab".repeat(32), null)).hasMessageContaining("store");
        assertThatThrownBy(() -> EmbedTexts.withModelSnapshot("s3://models/store", "starter/1", null))
                .isInstanceOf(BeamPipelineException.class).hasMessageContaining("needs its snapshot id");
        String unknown = "ab".repeat(32);
        Path store = tmp.resolve("store");
        assertThatThrownBy(() -> rows.apply(EmbedTexts.withModelSnapshot(store.toString(), unknown, null)))
                .isInstanceOf(BeamPipelineException.class).hasMessageContaining("snapshot " + unknown + " not found in");
        assertThat(EmbedTexts.withModelSnapshot(store.toString(), unknown, null).withDevice("gpu:1").model().snapshotId())
                .as("withX keeps the model").isEqualTo(unknown);
    }
}
