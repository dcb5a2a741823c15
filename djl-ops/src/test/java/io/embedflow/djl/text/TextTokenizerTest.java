package io.embedflow.djl.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.TestModels;
import io.embedflow.djl.model.ModelDirectory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextTokenizerTest {
    @Test
    void theLeanBatchPathEqualsDjlsEncodings() {
        Random random = new Random(11);
        String[] words = {"river", "data", "unknownish", "ZYX", "the", "vector", "é", "日本", "!", "order42"};
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            int n = random.nextInt(60);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < n; w++) {
                sb.append(words[random.nextInt(words.length)]).append(random.nextBoolean() ? " " : "  ");
            }
            texts.add(sb.toString());
        }
        for (String model : List.of("tiny-tuple", "tiny-dict")) {
            try (TextTokenizer tokenizer = TextTokenizer.load(ModelDirectory.open(TestModels.fixture(model)))) {
                Tokens[] lean = tokenizer.encodeAll(texts);
                Tokens[] reference = tokenizer.encodeAllViaEncodings(texts);
                assertThat(lean).hasSameSizeAs(reference);
                int truncated = 0;
                for (int i = 0; i < lean.length; i++) {
                    assertThat(lean[i].ids()).as(model + " text " + i).containsExactly(reference[i].ids());
                    assertThat(lean[i].truncated()).isEqualTo(reference[i].truncated());
                    assertThat(Arrays.equals(lean[i].ids(), tokenizer.encode(texts.get(i)).ids())).isTrue();
                    truncated += lean[i].truncated() ? 1 : 0;
                }
                assertThat(truncated).isPositive();
            }
        }
    }

    @Test
    void aNullTextIsRefusedBeforeTheNativeCall() {
        try (TextTokenizer tokenizer = TextTokenizer.load(ModelDirectory.open(TestModels.fixture("tiny-dict")))) {
            List<String> texts = new ArrayList<>(List.of("fine"));
            texts.add(null);
            assertThatThrownBy(() -> tokenizer.encodeAll(texts)).isInstanceOf(DjlOpsException.class).hasMessageContaining("text 1");
        }
    }
}
