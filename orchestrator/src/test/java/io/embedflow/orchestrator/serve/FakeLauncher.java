package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.submit.FlinkJob;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;

/**
 * Runs "refreshes" that embed nothing: records the run as the real runner does, shows it as a job
 * on a {@link FakeFlink}, and ends it as scripted per spec: succeed (the default), fail with a given
 * exception, or hold until {@link #release} or a cancel of its job. Thread-safe.
 */
final class FakeLauncher implements RunLauncher {

    /** What one run of a spec does. */
    sealed interface Outcome {
        record Succeed() implements Outcome {
        }

        record Fail(RuntimeException failure) implements Outcome {
        }

        record Hold() implements Outcome {
        }
    }

    /** A run as it started. */
    record Started(String runId, String spec, String tenant, long request) {
    }

    private final MetadataStore metadata;
    private final FakeFlink flink;
    private final Clock clock;
    private final Map<String, Deque<Outcome>> scripts = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    private final List<Started> started = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean vanished;

    /** Thrown on a run thread of a daemon that "crashed": it writes nothing more, as a killed process would. */
    static final class Vanished extends Error {
        private static final long serialVersionUID = 1L;

        Vanished() {
            super("the process is gone", null, false, false);
        }
    }

    FakeLauncher(MetadataStore metadata, FakeFlink flink, Clock clock) {
        this.metadata = metadata;
        this.flink = flink;
        this.clock = clock;
        flink.onCancel(job -> {
            CountDownLatch latch = held.get(job.name());
            if (latch != null) {
                latch.countDown();
            }
        });
    }

    /** The next runs of {@code spec} do these, in order; then they succeed. */
    void script(String spec, Outcome... outcomes) {
        scripts.computeIfAbsent(spec, s -> new ArrayDeque<>()).addAll(List.of(outcomes));
    }

    List<Started> started() {
        synchronized (started) {
            return List.copyOf(started);
        }
    }

    /** Ends every held run without a trace, as if the process running them were killed. */
    void vanish() {
        vanished = true;
        held.values().forEach(CountDownLatch::countDown);
    }

    /** Lets the held run {@code runId} succeed. */
    void release(String runId) {
        // the run may not have reached its latch yet: a latch counted down before it waits lets it pass at once
        held.computeIfAbsent(RunReconciler.jobName(runId), name -> new CountDownLatch(1)).countDown();
    }

    @Override
    public RunRecord run(Launch launch) {
        RefreshSpec spec = launch.payload().spec();
        started.add(new Started(launch.runId(), spec.name(), spec.tenant(), launch.request().id()));
        RunRecord run = RunRecord.started(launch.runId(), "refresh", launch.payload().model(), launch.payload().modelSnapshotId(),
                launch.payload().dataSnapshotId(), spec.dataset(), spec.output(), "{}", "test", clock.instant())
                .withOrigin(launch.origin());
        metadata.insertRun(run);
        Deque<Outcome> script = scripts.getOrDefault(spec.name(), new ArrayDeque<>());
        Outcome outcome;
        synchronized (script) {
            outcome = script.isEmpty() ? new Outcome.Succeed() : script.poll();
        }
        CountDownLatch latch = held.computeIfAbsent(RunReconciler.jobName(launch.runId()), name -> new CountDownLatch(1));
        FlinkJob job = flink.submit(RunReconciler.jobName(launch.runId()), JobStatus.RUNNING);
        if (outcome instanceof Outcome.Fail fail) {
            flink.set(job.id(), JobStatus.FAILED);
            metadata.updateRun(run.failed(fail.failure().getMessage(), clock.instant()));
            throw fail.failure();
        }
        if (outcome instanceof Outcome.Hold) {
            try {
                if (!latch.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("run " + launch.runId() + " was held for a minute");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OrchestratorException("interrupted", e);
            }
            if (vanished) {
                throw new Vanished();
            }
            if (flink.job(job.id()).orElseThrow().state() == JobStatus.CANCELED) {
                metadata.updateRun(run.failed("Job was cancelled.", clock.instant()));
                throw new OrchestratorException("Job was cancelled.");
            }
        }
        flink.set(job.id(), JobStatus.FINISHED);
        RunRecord done = run.finished(RunStatus.SUCCEEDED, 10, 10, 0, 0, clock.instant(), null);
        metadata.updateRun(done);
        return done;
    }
}
