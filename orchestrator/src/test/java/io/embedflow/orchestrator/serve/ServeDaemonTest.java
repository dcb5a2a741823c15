package io.embedflow.orchestrator.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.metadata.TriggerLogEntry;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.TenantPolicy;
import io.embedflow.orchestrator.serve.FakeLauncher.Outcome;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException;
import org.apache.flink.util.SerializedThrowable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serve loop, pass by pass on a manual clock, with a fake cluster and launcher: what runs, when, and how runs end. */
class ServeDaemonTest {

    @TempDir
    Path tmp;
    ServeFixture f;

    ServeFixture fixture(int slots, UnaryOperator<ServeConfig.Builder> settings) {
        f = new ServeFixture(tmp, slots, settings);
        return f;
    }

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aCronSpecFiresOnceAtItsDueTimeAndRunsOnce() throws Exception {
        fixture(4, b -> b);
        f.add("docs", "search", "triggers:\n  cron: \"*/5 * * * *\"\n");

        assertThat(f.pass().firings()).as("not due yet").isZero();
        f.clock.advance(Duration.ofMinutes(5));
        ServeDaemon.Pass pass = f.pass();
        f.awaitIdle();
        ServeDaemon.Pass again = f.pass();

        assertThat(pass.firings()).isEqualTo(1);
        assertThat(pass.queued()).isEqualTo(1);
        assertThat(pass.admitted()).isEqualTo(1);
        assertThat(again.firings() + again.queued() + again.admitted()).isZero();
        List<RunRecord> runs = f.runsOf("docs");
        assertThat(runs).hasSize(1);
        RunRecord run = runs.get(0);
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.modelRef()).isEqualTo("m/1");
        assertThat(run.origin().triggerKind()).isEqualTo("CRON");
        assertThat(run.origin().triggerDetail()).isEqualTo("cron '*/5 * * * *' (UTC) due at 2026-12-01T08:05:00Z");
        assertThat(run.logLocation()).startsWith(tmp.resolve("serve.log").toString()).contains("Flink job ");
        QueuedRun request = f.requests(QueueState.SUCCEEDED).get(0);
        assertThat(run.origin().queueRequest()).isEqualTo(request.id());
        assertThat(request.runId()).isEqualTo(run.id());
        assertThat(f.metadata.specs().firings("docs", 10)).extracting(TriggerLogEntry::consumedBy)
                .containsExactly("queue:" + request.id());
        assertThat(f.metadata.specs().state("docs").orElseThrow().lastSuccessRunId()).isEqualTo(run.id());
    }

    @Test
    void aChainedSpecRunsAfterItsUpstreamSucceeds() throws Exception {
        fixture(4, b -> b);
        f.add("clean", "search", "");
        f.add("vectors", "search", "triggers:\n  after: [clean]\n");

        f.triggers.trigger("clean", "by test");
        f.pass();
        f.awaitIdle();
        String upstream = f.runsOf("clean").get(0).id();
        assertThat(f.runsOf("vectors")).as("not before the upstream's success is seen").isEmpty();
        f.pass();
        f.awaitIdle();

        assertThat(f.runsOf("vectors")).singleElement().satisfies(run -> {
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.origin().triggerKind()).isEqualTo("AFTER");
            assertThat(run.origin().triggerDetail()).isEqualTo("spec 'clean' succeeded in run " + upstream);
        });
    }

    @Test
    void identicalFiringsFoldIntoOneRequestAndOneRun() throws Exception {
        fixture(4, b -> b);
        f.add("docs", "search", "triggers:\n  cron: \"*/5 * * * *\"\n");
        f.launcher.script("docs", new Outcome.Hold());
        f.clock.advance(Duration.ofMinutes(5));
        f.triggers.trigger("docs", "by alice");
        f.triggers.trigger("docs", "by bob");

        ServeDaemon.Pass pass = f.pass();
        f.triggers.trigger("docs", "by carol, while it runs");
        ServeDaemon.Pass whileRunning = f.pass();
        await(() -> f.launcher.started().size() == 1);
        f.launcher.release(f.launcher.started().get(0).runId());
        f.awaitIdle();

        assertThat(pass.firings()).isEqualTo(1);
        assertThat(pass.queued()).isEqualTo(1);
        assertThat(pass.folded()).isEqualTo(2);
        assertThat(whileRunning.folded()).as("an admitted request with the same key takes it too").isEqualTo(1);
        assertThat(f.launcher.started()).hasSize(1);
        assertThat(f.requests(QueueState.SUCCEEDED)).hasSize(1);
        long request = f.requests(QueueState.SUCCEEDED).get(0).id();
        assertThat(f.metadata.specs().firings("docs", 10)).hasSize(4).extracting(TriggerLogEntry::consumedBy)
                .containsOnly("queue:" + request);
    }

    @Test
    void weightsTwoToOneShareThreeSlotsTwoToOneUnderContention() throws Exception {
        fixture(3, b -> b.optTenants(List.of(TenantPolicy.of("a", 2), TenantPolicy.of("b", 1))));
        for (int i = 0; i < 10; i++) {
            for (String tenant : List.of("a", "b")) {
                f.add(tenant + i, tenant, "");
                f.launcher.script(tenant + i, new Outcome.Hold());
                f.triggers.trigger(tenant + i, "by test");
            }
        }

        f.pass();
        int released = 0;
        while (released < 20) {
            // every admitted run has started before one is released, so the order of starts is the admission order
            int busy = Math.min(3, 20 - released);
            int startedBefore = released + busy;
            await(() -> f.daemon.running() == busy && f.launcher.started().size() >= startedBefore);
            ServeStatus status = f.daemon.status();
            if (status.tenants().get("a").queued() > 0 && status.tenants().get("b").queued() > 0) {
                assertThat(status.tenants().get("a").admittedSlots()).as("a's share while both wait").isEqualTo(2);
                assertThat(status.tenants().get("b").admittedSlots()).as("b's share while both wait").isEqualTo(1);
            }
            f.launcher.release(f.launcher.started().get(released++).runId());
            await(() -> f.daemon.running() == busy - 1);
            f.pass();
        }
        f.awaitIdle();

        List<String> order = f.launcher.started().stream().map(FakeLauncher.Started::tenant).toList();
        assertThat(order).hasSize(20);
        assertThat(order.subList(0, 15)).filteredOn("a"::equals).as("of the first 15 starts, while both wait").hasSize(10);
        assertThat(f.requests(QueueState.SUCCEEDED)).hasSize(20);
    }

    @Test
    void aTransientFailureIsRetriedAfterItsBackoffAndThenSucceeds() throws Exception {
        fixture(4, b -> b.optRetries(new RetryPolicy(3, 5, Duration.ofSeconds(30), Duration.ofMinutes(5))));
        f.add("docs", "search", "");
        f.launcher.script("docs", new Outcome.Fail(new OrchestratorException(
                "cannot submit the refresh job to http://flink:8081: Connection refused", new ConnectException("Connection refused"))));
        f.triggers.trigger("docs", "by test");

        f.pass();
        f.awaitIdle();
        QueuedRun waiting = f.requests(QueueState.QUEUED).get(0);
        f.pass();
        assertThat(f.launcher.started()).as("backing off").hasSize(1);
        f.clock.advance(Duration.ofSeconds(40));
        f.pass();
        f.awaitIdle();

        assertThat(waiting.transientRetries()).isEqualTo(1);
        assertThat(waiting.runId()).isNull();
        assertThat(Duration.between(f.clock.instant().minusSeconds(40), waiting.notBefore())).isBetween(Duration.ofSeconds(30),
                Duration.ofSeconds(36));
        List<RunRecord> runs = f.runsOf("docs");
        assertThat(runs).extracting(RunRecord::status).containsExactly(RunStatus.SUCCEEDED, RunStatus.FAILED);
        RunRecord failed = runs.get(1);
        assertThat(failed.error()).contains("Connection refused");
        assertThat(failed.logLocation()).startsWith(tmp.resolve("serve.log").toString());
        assertThat(runs).extracting(r -> r.origin().queueRequest()).containsOnly(waiting.id());
        QueuedRun done = f.requests(QueueState.SUCCEEDED).get(0);
        assertThat(done.runId()).isEqualTo(runs.get(0).id());
        assertThat(f.metadata.specs().state("docs").orElseThrow().lastSuccessRunId()).isEqualTo(runs.get(0).id());
    }

    @Test
    void aRealFailureIsNotRetriedAndKeepsItsRecordWithErrorAndLog() throws Exception {
        fixture(4, b -> b);
        f.add("docs", "search", "");
        f.launcher.script("docs", new Outcome.Fail(new OrchestratorException("text column 'body' is not in dataset /data/docs")));
        f.triggers.trigger("docs", "by test");

        f.pass();
        f.awaitIdle();
        f.clock.advance(Duration.ofHours(1));
        f.pass();
        f.awaitIdle();

        assertThat(f.launcher.started()).hasSize(1);
        QueuedRun request = f.requests(QueueState.FAILED).get(0);
        assertThat(request.transientRetries() + request.preemptionRetries()).isZero();
        RunRecord run = f.runsOf("docs").get(0);
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).isEqualTo("text column 'body' is not in dataset /data/docs");
        assertThat(run.logLocation()).startsWith(tmp.resolve("serve.log").toString());
        assertThat(request.runId()).isEqualTo(run.id());
        assertThat(f.metadata.specs().state("docs").orElseThrow().lastRunSucceeded()).isFalse();
    }

    @Test
    void preemptionsHaveARetryBudgetOfTheirOwn() throws Exception {
        fixture(4, b -> b.optRetries(new RetryPolicy(0, 1, Duration.ofSeconds(10), Duration.ofSeconds(10))));
        f.add("docs", "search", "");
        RuntimeException lostTaskManager = new OrchestratorException("Job failed", new SerializedThrowable(
                new NoResourceAvailableException("Could not acquire the minimum required resources.")));
        f.launcher.script("docs", new Outcome.Fail(lostTaskManager), new Outcome.Fail(lostTaskManager));
        f.triggers.trigger("docs", "by test");

        f.pass();
        f.awaitIdle();
        assertThat(f.requests(QueueState.QUEUED)).singleElement().satisfies(r -> assertThat(r.preemptionRetries()).isEqualTo(1));
        f.clock.advance(Duration.ofSeconds(20));
        f.pass();
        f.awaitIdle();

        assertThat(f.launcher.started()).hasSize(2);
        assertThat(f.requests(QueueState.FAILED)).singleElement().satisfies(r -> assertThat(r.preemptionRetries()).isEqualTo(1));
    }

    @Test
    void cancellingTheRequestCancelsItsJobAndRecordsWhy() throws Exception {
        fixture(4, b -> b);
        f.add("docs", "search", "");
        f.launcher.script("docs", new Outcome.Hold());
        f.triggers.trigger("docs", "by test");
        f.pass();
        awaitJobOfFirstRun();
        long request = f.requests(QueueState.ADMITTED).get(0).id();

        assertThat(f.queue().cancel(request, f.clock.instant())).as("as `embedflow runs cancel` does, from another process").isTrue();
        f.pass();
        f.awaitIdle();

        RunRecord run = f.runsOf("docs").get(0);
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).isEqualTo("cancelled: by `embedflow runs cancel`");
        assertThat(f.flink.findJob(RunReconciler.jobName(run.id())).orElseThrow().state().name()).isEqualTo("CANCELED");
        assertThat(f.queue().find(request).orElseThrow().state()).isEqualTo(QueueState.CANCELLED);
    }

    @Test
    void aRunPastItsTimeoutIsCancelledAndFailsWithoutRetry() throws Exception {
        fixture(4, b -> b.optRunTimeout(Duration.ofMinutes(1)));
        f.add("docs", "search", "");
        f.launcher.script("docs", new Outcome.Hold());
        f.triggers.trigger("docs", "by test");
        f.pass();
        awaitJobOfFirstRun();

        f.clock.advance(Duration.ofSeconds(59));
        f.pass();
        assertThat(f.daemon.running()).isEqualTo(1);
        f.clock.advance(Duration.ofSeconds(2));
        f.pass();
        f.awaitIdle();

        assertThat(f.runsOf("docs").get(0).error()).isEqualTo("cancelled: timed out after PT1M");
        assertThat(f.requests(QueueState.FAILED)).hasSize(1);
    }

    @Test
    void aShutdownCancelsRunningRunsAndPutsThemBackUncounted() throws Exception {
        fixture(4, b -> b);
        f.add("docs", "search", "");
        f.launcher.script("docs", new Outcome.Hold());
        f.triggers.trigger("docs", "by test");
        f.pass();

        f.daemon.close();

        assertThat(f.runsOf("docs").get(0).error()).isEqualTo("interrupted: the serve process running it shut down");
        QueuedRun back = f.requests(QueueState.QUEUED).get(0);
        assertThat(back.transientRetries() + back.preemptionRetries()).isZero();
        assertThat(back.runId()).isNull();
    }

    /** Waits until the first run started has its job on the cluster (a stop before that waits for the next pass). */
    private void awaitJobOfFirstRun() throws InterruptedException {
        await(() -> !f.launcher.started().isEmpty()
                && f.flink.findJob(RunReconciler.jobName(f.launcher.started().get(0).runId())).isPresent());
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(5);
        }
    }
}
