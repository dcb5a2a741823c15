package io.embedflow.orchestrator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.serve.ServeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a scrape says, parsed back as Prometheus would read it. */
class OrchestratorMetricsTest {

    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

    @TempDir
    Path tmp;
    MetadataStore metadata;
    OrchestratorMetrics metrics;

    @BeforeEach
    void open() {
        metadata = MetadataStore.openSqlite(tmp.resolve("embedflow.db"));
        metrics = new OrchestratorMetrics(metadata);
    }

    @AfterEach
    void close() {
        metadata.close();
    }

    @Test
    void runsByKindAndStatusComeFromTheMetadataStore() {
        metadata.insertRun(run("r-1", "refresh"));
        metadata.insertRun(run("r-2", "refresh").finished(RunStatus.SUCCEEDED, 1, 1, 0, 0, T0.plusSeconds(1), null));
        metadata.insertRun(run("r-3", "eval").failed("no corpus", T0.plusSeconds(1)));

        OrchestratorMetrics.Exposition e = metrics.scrape();
        PrometheusText text = PrometheusText.parse(e.text());

        assertThat(e.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(text.families().get("embedflow_runs").type()).isEqualTo("gauge");
        assertThat(text.value("embedflow_runs", "kind", "refresh", "status", "running")).contains(1.0);
        assertThat(text.value("embedflow_runs", "kind", "refresh", "status", "succeeded")).contains(1.0);
        assertThat(text.value("embedflow_runs", "kind", "eval", "status", "failed")).contains(1.0);
        assertThat(text.value("embedflow_queue_requests", "tenant", "a", "state", "queued")).as("no daemon watched").isEmpty();
    }

    @Test
    void queueGaugesAreReadFromTheDaemonAtEachScrape() {
        ServeStatus[] now = {status(Map.of("a", new ServeStatus.Tenant(1, null, 3, 1, 2, 4),
                "b \"quoted\"", new ServeStatus.Tenant(2, 8, 1, 0, 0, 0)))};
        metrics.watch(() -> now[0]);

        PrometheusText first = PrometheusText.parse(metrics.scrape().text());
        now[0] = status(Map.of("a", new ServeStatus.Tenant(1, null, 0, 0, 1, 2)));
        PrometheusText second = PrometheusText.parse(metrics.scrape().text());

        assertThat(first.value("embedflow_queue_requests", "tenant", "a", "state", "queued")).contains(3.0);
        assertThat(first.value("embedflow_queue_requests", "tenant", "a", "state", "admitted")).contains(2.0);
        assertThat(first.value("embedflow_queue_requests", "tenant", "b \"quoted\"", "state", "queued")).contains(1.0);
        assertThat(first.value("embedflow_queue_backing_off_requests", "tenant", "a")).contains(1.0);
        assertThat(first.value("embedflow_queue_admitted_slots", "tenant", "a")).contains(4.0);
        assertThat(first.value("embedflow_serve_capacity_slots")).contains(8.0);
        assertThat(first.value("embedflow_serve_active_runs")).contains(0.0);
        assertThat(second.value("embedflow_queue_requests", "tenant", "a", "state", "queued")).contains(0.0);
        assertThat(second.value("embedflow_queue_requests", "tenant", "b \"quoted\"", "state", "queued")).isEmpty();
    }

    @Test
    void countsStartsEndsTriggerLatencyAndPasses() {
        metrics.runStarted("a", "docs", Duration.ofMillis(2500));
        metrics.runStarted("a", "docs", Duration.ofSeconds(-1));
        metrics.runEnded("a", "docs", true);
        metrics.runEnded("a", "docs", false);
        metrics.runEnded("a", "docs", false);
        metrics.passEnded(new ServeDaemon.Pass(3, 2, 1, 2, 8, Duration.ofMillis(5), Duration.ofMillis(1), Duration.ofMillis(2),
                Duration.ofMillis(30)));

        PrometheusText text = PrometheusText.parse(metrics.scrape().text());

        assertThat(text.families().get("embedflow_serve_runs_started_total").type()).isEqualTo("counter");
        assertThat(text.value("embedflow_serve_runs_started_total", "tenant", "a")).contains(2.0);
        assertThat(text.value("embedflow_serve_runs_finished_total", "tenant", "a", "status", "succeeded")).contains(1.0);
        assertThat(text.value("embedflow_serve_runs_finished_total", "tenant", "a", "status", "failed")).contains(2.0);
        assertThat(text.value("embedflow_serve_trigger_firings_total")).contains(3.0);
        assertThat(text.families().get("embedflow_serve_trigger_to_submit_seconds").type()).isEqualTo("histogram");
        assertThat(text.value("embedflow_serve_trigger_to_submit_seconds_count", "tenant", "a")).contains(2.0);
        assertThat(text.value("embedflow_serve_trigger_to_submit_seconds_sum", "tenant", "a")).contains(2.5);
        assertThat(text.value("embedflow_serve_trigger_to_submit_seconds_bucket", "tenant", "a", "le", "1.0")).contains(1.0);
        assertThat(text.value("embedflow_serve_trigger_to_submit_seconds_bucket", "tenant", "a", "le", "5.0")).contains(2.0);
        assertThat(text.value("embedflow_serve_pass_duration_seconds_count")).contains(1.0);
        assertThat(text.value("embedflow_serve_pass_duration_seconds_bucket", "le", "0.025")).contains(0.0);
        assertThat(text.value("embedflow_serve_pass_duration_seconds_bucket", "le", "0.05")).contains(1.0);
    }

    private static RunRecord run(String id, String kind) {
        return RunRecord.started(id, kind, "m/1", "a".repeat(64), null, "/in", "/out", "{}", "test", T0);
    }

    private static ServeStatus status(Map<String, ServeStatus.Tenant> tenants) {
        return new ServeStatus("test#1", true, T0.toString(), 8, tenants, List.of());
    }
}
