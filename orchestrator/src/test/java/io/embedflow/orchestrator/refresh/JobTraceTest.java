package io.embedflow.orchestrator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JobTraceTest {
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final JobTrace trace = new JobTrace(nanos::get);

    private void at(double seconds, long rows) {
        nanos.set(5_000_000_000L + Math.round(seconds * 1e9));
        trace.sample(rows);
    }

    @Test
    void startsAtZeroAndKeepsSamplesASecondApartAsTheyCome() {
        for (int s = 1; s <= 5; s++) {
            at(s, s * 100L);
        }
        assertThat(trace.samples()).containsExactly(new JobTrace.Sample(0, 0), new JobTrace.Sample(1, 100),
                new JobTrace.Sample(2, 200), new JobTrace.Sample(3, 300), new JobTrace.Sample(4, 400),
                new JobTrace.Sample(5, 500));
    }

    @Test
    void aSampleTooCloseToTheLastKeptOneShowsOnlyWhileItIsTheNewest() {
        at(1, 100);
        at(1.2, 130);
        assertThat(trace.samples()).last().isEqualTo(new JobTrace.Sample(1.2, 130));
        at(2, 250);
        assertThat(trace.samples()).extracting(JobTrace.Sample::seconds).containsExactly(0.0, 1.0, 2.0);
    }

    @Test
    void anHourOfSamplesIsThinnedEvenlyToTheBoundKeepingTheFirstAndTheNewest() {
        for (int s = 1; s <= 3600; s++) {
            at(s, s * 10L);
        }
        List<JobTrace.Sample> kept = trace.samples();
        assertThat(kept.size()).isLessThanOrEqualTo(JobTrace.MAX_SAMPLES).isGreaterThan(JobTrace.MAX_SAMPLES / 4);
        assertThat(kept.get(0)).isEqualTo(new JobTrace.Sample(0, 0));
        assertThat(kept.get(kept.size() - 1)).isEqualTo(new JobTrace.Sample(3600, 36000));
        double widest = 0;
        double narrowest = Double.MAX_VALUE;
        for (int i = 1; i < kept.size() - 1; i++) {
            double gap = kept.get(i).seconds() - kept.get(i - 1).seconds();
            widest = Math.max(widest, gap);
            narrowest = Math.min(narrowest, gap);
        }
        assertThat(widest / narrowest).as("spacing varies by at most a factor of 2").isLessThanOrEqualTo(2.0);
    }

    @Test
    void metricsHoldTheTimelineAsPairsAndTheSubtasksWhenKnown() {
        at(1, 100);
        assertThat(trace.toMetrics()).containsOnlyKeys("timeline");
        trace.subtasks(List.of(Map.of("subtask", 0, "rows", 60L), Map.of("subtask", 1, "rows", 40L)));
        Map<String, Object> m = trace.toMetrics();
        assertThat(m.get("timeline")).isEqualTo(List.of(List.of(0.0, 0L), List.of(1.0, 100L)));
        assertThat((List<?>) m.get("subtasks")).hasSize(2);
    }

    @Test
    void eachSubtasksFiguresComeFromItsOwnAccumulators() {
        Map<String, Object> accumulators = Map.of("embedflow.rows", 100L, "embedflow.subtask.1.rows", 40L,
                "embedflow.subtask.1.embedNanos", 2_000_000_000L, "embedflow.subtask.0.rows", 60L,
                "embedflow.subtask.0.inputWaitNanos", 250_000_000L, "embedflow.subtask.x.rows", 5L, "other", 1L);
        assertThat(JobExecution.subtaskFigures(accumulators)).containsExactly(
                Map.of("subtask", 0, "rows", 60L, "embedSeconds", 0.0, "inputWaitSeconds", 0.25),
                Map.of("subtask", 1, "rows", 40L, "embedSeconds", 2.0, "inputWaitSeconds", 0.0));
    }
}
