package io.embedflow.orchestrator.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.queue.RunRequest;
import io.embedflow.orchestrator.queue.RunTrigger;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.serve.FakeLauncher.Outcome;
import io.embedflow.orchestrator.submit.FlinkJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon killed with a run in flight, and its restart: the run is followed, recorded or run again
 * as what it left behind says, exactly once. (The same with real processes and a real cluster:
 * {@code ServeCrashIT} in the tests module.)
 */
class ServeRecoveryTest {

    @TempDir
    Path tmp;
    ServeFixture f;

    @BeforeEach
    void setUp() {
        f = new ServeFixture(tmp, 4, b -> b.optRetries(new RetryPolicy(3, 3, Duration.ofSeconds(10), Duration.ofSeconds(10))));
        f.add("docs", "search", "");
    }

    @AfterEach
    void close() {
        f.close();
    }

    /** A run of docs in flight when the daemon is killed; returns its id. */
    private String crashWithARunInFlight() throws InterruptedException {
        f.launcher.script("docs", new Outcome.Hold());
        f.triggers.trigger("docs", "by test");
        f.pass();
        ServeDaemonTest.await(() -> !f.launcher.started().isEmpty()
                && f.flink.findJob(RunReconciler.jobName(f.launcher.started().get(0).runId())).isPresent());
        String runId = f.launcher.started().get(0).runId();
        f.crash();
        return runId;
    }

    @Test
    void aJobStillRunningOnTheClusterIsFollowedNotStartedAgain() throws Exception {
        String runId = crashWithARunInFlight();
        FlinkJob job = f.flink.findJob(RunReconciler.jobName(runId)).orElseThrow();

        f.restart();
        f.pass();
        assertThat(f.daemon.running()).as("following the job").isEqualTo(1);
        commitTable(runId);
        f.flink.set(job.id(), JobStatus.FINISHED);
        f.awaitIdle();

        assertThat(f.launcher.started()).as("nothing started again").isEmpty();
        assertThat(f.runsOf("docs")).singleElement().satisfies(run -> {
            assertThat(run.id()).isEqualTo(runId);
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.rowsOut()).isEqualTo(10);
        });
        assertThat(f.requests(QueueState.SUCCEEDED)).singleElement().satisfies(r -> assertThat(r.runId()).isEqualTo(runId));
    }

    @Test
    void aRunWhoseClusterDiedWithItsDaemonIsRecordedAsAbandonedAndRunAgain() throws Exception {
        String runId = crashWithARunInFlight();
        f.flink.clear();

        f.restart();
        f.pass();
        QueuedRun waiting = f.requests(QueueState.QUEUED).get(0);
        f.clock.advance(Duration.ofSeconds(20));
        f.pass();
        f.awaitIdle();

        assertThat(waiting.preemptionRetries()).isEqualTo(1);
        List<RunRecord> runs = f.runsOf("docs");
        assertThat(runs).extracting(RunRecord::status).containsExactly(RunStatus.SUCCEEDED, RunStatus.FAILED);
        assertThat(runs.get(1).id()).isEqualTo(runId);
        assertThat(runs.get(1).error()).startsWith(RunReconciler.ABANDONED);
        assertThat(f.launcher.started()).hasSize(1);
        assertThat(f.requests(QueueState.SUCCEEDED)).singleElement().satisfies(r -> assertThat(r.runId()).isEqualTo(runs.get(0).id()));
    }

    @Test
    void aRunThatCommittedItsTableBeforeTheCrashIsRecordedAndNotRunAgain() throws Exception {
        String runId = crashWithARunInFlight();
        f.flink.clear();
        commitTable(runId);

        f.restart();
        f.pass();
        f.awaitIdle();

        assertThat(f.launcher.started()).isEmpty();
        assertThat(f.runsOf("docs")).singleElement().satisfies(run -> {
            assertThat(run.id()).isEqualTo(runId);
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        });
        assertThat(f.requests(QueueState.SUCCEEDED)).hasSize(1);
        assertThat(f.metadata.specs().state("docs").orElseThrow().lastSuccessRunId()).isEqualTo(runId);
    }

    @Test
    void aRequestWhoseRunNeverStartedIsStartedAndOneWhoseRunEndedIsOnlyFinished() throws Exception {
        QueuedRun neverStarted = leftAdmitted("never-started", "r-20261201-070000-000001");
        QueuedRun ended = leftAdmitted("ended", "r-20261201-070000-000002");
        f.metadata.insertRun(RunRecord.started("r-20261201-070000-000002", "refresh", "m/1", "a".repeat(64), null, "/d", "/t",
                "{}", "test", ServeFixture.T0).finished(RunStatus.SUCCEEDED, 5, 5, 0, 0, ServeFixture.T0.plusSeconds(9), null));

        f.restart();
        f.pass();
        f.awaitIdle();

        assertThat(f.launcher.started()).singleElement().satisfies(s -> assertThat(s.request()).isEqualTo(neverStarted.id()));
        assertThat(f.queue().find(neverStarted.id()).orElseThrow().state()).isEqualTo(QueueState.SUCCEEDED);
        assertThat(f.queue().find(ended.id()).orElseThrow()).satisfies(r -> {
            assertThat(r.state()).isEqualTo(QueueState.SUCCEEDED);
            assertThat(r.runId()).isEqualTo("r-20261201-070000-000002");
        });
    }

    /** A request of docs that an earlier incarnation admitted and attached {@code runId} to, then died. */
    private QueuedRun leftAdmitted(String key, String runId) {
        RefreshSpec spec = f.schedule.get("docs").spec();
        RunPayload payload = new RunPayload(RefreshSpecYaml.write(spec), "m/1", "a".repeat(64), null, 0, "MANUAL", "by test",
                ServeFixture.T0);
        RunQueue queue = f.queue();
        QueuedRun request = queue.enqueue(RunRequest.builder().setSpec("docs").setTenant("search").setSlots(1).setDedupeKey(key)
                .setTrigger(RunTrigger.manual("by test")).setPayloadJson(payload.toJson()).setEnqueuedAt(ServeFixture.T0).build()).run();
        queue.admit("test#earlier", ServeFixture.T0);
        return queue.attachRun(request.id(), runId);
    }

    /** The table a job of run {@code runId} commits at docs' output. */
    private void commitTable(String runId) throws Exception {
        Path output = tmp.resolve("tables/docs");
        Files.createDirectories(output);
        new TableManifest(TableManifest.FORMAT, runId, "a".repeat(64), "m/1", "d".repeat(64), "INT64", 8, 10, 0, 0,
                ServeFixture.T0, List.of(), List.of()).writeTo(output);
    }
}
