package io.embedflow.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRefTest {

    @Test
    void parsesNameAndNameWithVersion() {
        assertThat(ModelRef.parse("minilm")).isEqualTo(new ModelRef("minilm", null));
        assertThat(ModelRef.parse("all-MiniLM_L6.v2/3")).isEqualTo(new ModelRef("all-MiniLM_L6.v2", 3));
        assertThat(ModelRef.parse("minilm").isLatest()).isTrue();
    }

    @Test
    void toStringRoundTrips() {
        assertThat(ModelRef.parse("minilm")).hasToString("minilm");
        assertThat(ModelRef.parse("minilm/12")).hasToString("minilm/12");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/3", "-minilm", ".x", "a b", "minilm/", "minilm/0", "minilm/-1", "minilm/x",
        "minilm/3/4", "minilm/99999999999", "a\\b"})
    void rejectsBadTextNamingIt(String text) {
        assertThatThrownBy(() -> ModelRef.parse(text))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining(text.isEmpty() ? "empty model reference" : "'" + text + "'");
    }
}
