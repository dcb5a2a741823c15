package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunRecordTest {

    private static final Instant T0 = Instant.parse("2026-11-29T00:50:12Z");

    private final RunRecord running =
            RunRecord.started("r-1", "refresh", "starter/1", "s", null, "/in", "/out", "{}", "dev", T0);

    @Test
    void runningRunHasZeroDurationAndRate() {
        assertThat(running.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(running.duration()).isEqualTo(Duration.ZERO);
        assertThat(running.rowsPerSecond()).isZero();
    }

    @Test
    void finishedRunHasDurationAndRate() {
        RunRecord done = running.finished(RunStatus.SUCCEEDED, 1000, 990, 6, 4, T0.plusMillis(2000), null);

        assertThat(done.duration()).isEqualTo(Duration.ofSeconds(2));
        assertThat(done.rowsPerSecond()).isCloseTo(495.0, within(1e-9));
        assertThat(done.rowsRejected()).isEqualTo(6);
        assertThat(done.rowsTruncated()).isEqualTo(4);
        assertThat(done.id()).isEqualTo(running.id());
        assertThat(done.inputPath()).isEqualTo("/in");
    }

    @Test
    void failedKeepsCounts() {
        RunRecord failed = running.withCounts(5, 4, 1, 0).failed("out of memory", T0.plusSeconds(1));

        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error()).isEqualTo("out of memory");
        assertThat(failed.rowsOut()).isEqualTo(4);
    }

    @Test
    void validatesRequiredFieldsAndCounts() {
        assertThatThrownBy(() -> running.finished(RunStatus.RUNNING, 0, 0, 0, 0, T0, null))
                .isInstanceOf(OrchestratorException.class);
        assertThatThrownBy(() -> running.withCounts(-1, 0, 0, 0))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("run r-1");
        assertThatThrownBy(() -> RunRecord.started(" ", "refresh", null, null, null, null, null, null, null, T0))
                .isInstanceOf(OrchestratorException.class);
    }
}
