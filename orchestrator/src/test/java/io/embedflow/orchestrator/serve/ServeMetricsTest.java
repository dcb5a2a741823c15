package io.embedflow.orchestrator.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.http.StatusServer;
import io.embedflow.orchestrator.metrics.OrchestratorMetrics;
import io.embedflow.orchestrator.metrics.PrometheusText;
import io.embedflow.orchestrator.queue.TenantPolicy;
import io.embedflow.orchestrator.serve.FakeLauncher.Outcome;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} of a serve daemon as {@code embedflow serve} mounts it, scraped over HTTP and parsed strictly. */
class ServeMetricsTest {

    @TempDir
    Path tmp;
    ServeFixture f;
    StatusServer http;
    OrchestratorMetrics metrics;
    final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        if (http != null) {
            http.close();
        }
        if (f != null) {
            f.close();
        }
    }

    @Test
    void queueRunsTriggerLatencyAndPassesAreScraped() throws Exception {
        f = new ServeFixture(tmp, 1, b -> b.optTenants(List.of(TenantPolicy.of("a", 1), TenantPolicy.of("b", 1))),
                store -> metrics = new OrchestratorMetrics(store));
        // as `embedflow serve` mounts it
        metrics.watch(f.daemon::status);
        http = StatusServer.builder().setAddress("127.0.0.1", 0).setToken(Optional.empty())
                .optJson("/api/queue", f.daemon::status)
                .optText("/metrics", OrchestratorMetrics.CONTENT_TYPE, () -> metrics.scrape().text())
                .start();
        // one slot: a run of tenant c takes it; meanwhile a cron spec of tenant n fires at 08:05 and waits
        f.add("first", "c", "");
        f.launcher.script("first", new Outcome.Hold());
        f.triggers.trigger("first", "by test");
        f.pass();
        f.add("nightly", "n", "triggers:\n  cron: \"*/5 * * * *\"\n");
        f.launcher.script("nightly", new Outcome.Hold());
        f.clock.advance(Duration.ofMinutes(5));
        f.pass();
        // at 08:07 the slot is free and the nightly run starts
        f.clock.advance(Duration.ofMinutes(2));
        f.launcher.release(awaitStarted(1).get(0).runId());
        f.awaitIdle();
        f.pass();
        // then 3 requests of tenant a and 1 of b wait for it
        for (String spec : List.of("a1", "a2", "a3", "b1")) {
            f.add(spec, spec.substring(0, 1), "");
            f.triggers.trigger(spec, "by test");
        }
        f.pass();

        PrometheusText busy = scrape();

        assertThat(busy.value("embedflow_queue_requests", "tenant", "a", "state", "queued")).contains(3.0);
        assertThat(busy.value("embedflow_queue_requests", "tenant", "b", "state", "queued")).contains(1.0);
        assertThat(busy.value("embedflow_queue_requests", "tenant", "a", "state", "admitted")).contains(0.0);
        assertThat(busy.value("embedflow_queue_requests", "tenant", "n", "state", "admitted")).contains(1.0);
        assertThat(busy.value("embedflow_queue_admitted_slots", "tenant", "n")).contains(1.0);
        assertThat(busy.value("embedflow_serve_capacity_slots")).contains(1.0);
        assertThat(busy.value("embedflow_serve_active_runs")).contains(1.0);
        assertThat(busy.value("embedflow_runs", "kind", "refresh", "status", "running")).contains(1.0);
        assertThat(busy.value("embedflow_runs", "kind", "refresh", "status", "succeeded")).contains(1.0);
        assertThat(busy.value("embedflow_serve_runs_started_total", "tenant", "c")).contains(1.0);
        assertThat(busy.value("embedflow_serve_runs_started_total", "tenant", "n")).contains(1.0);
        assertThat(busy.value("embedflow_serve_runs_finished_total", "tenant", "c", "status", "succeeded")).contains(1.0);
        assertThat(busy.value("embedflow_serve_trigger_firings_total")).as("the cron firing; manual ones are not evaluated")
                .contains(1.0);
        assertThat(busy.value("embedflow_serve_trigger_to_submit_seconds_sum", "tenant", "c")).contains(0.0);
        // fired at 08:05, started at 08:07
        assertThat(busy.value("embedflow_serve_trigger_to_submit_seconds_count", "tenant", "n")).contains(1.0);
        assertThat(busy.value("embedflow_serve_trigger_to_submit_seconds_sum", "tenant", "n")).contains(120.0);
        assertThat(busy.value("embedflow_serve_trigger_to_submit_seconds_bucket", "tenant", "n", "le", "60.0")).contains(0.0);
        assertThat(busy.value("embedflow_serve_trigger_to_submit_seconds_bucket", "tenant", "n", "le", "300.0")).contains(1.0);
        assertThat(busy.value("embedflow_serve_pass_duration_seconds_count")).contains(4.0);

        f.launcher.release(awaitStarted(2).get(1).runId());
        f.awaitIdle();
        PrometheusText done = scrape();

        assertThat(done.value("embedflow_serve_runs_finished_total", "tenant", "n", "status", "succeeded")).contains(1.0);
        assertThat(done.value("embedflow_runs", "kind", "refresh", "status", "succeeded")).contains(2.0);
        assertThat(done.value("embedflow_runs", "kind", "refresh", "status", "running")).isEmpty();
        assertThat(done.value("embedflow_serve_active_runs")).contains(0.0);
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(http.address().resolve("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(response.body());
    }

    private List<FakeLauncher.Started> awaitStarted(int runs) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (f.launcher.started().size() < runs) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the held run did not start");
            }
            Thread.sleep(10);
        }
        return f.launcher.started();
    }
}
