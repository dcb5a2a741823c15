package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.Requeue;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.TriggerEvaluator;
import io.embedflow.orchestrator.serve.ActiveRun.StopCause;
import io.embedflow.orchestrator.serve.RunReconciler.Observation;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs and follows the requests the daemon admits, on a bounded pool of run threads, and ends each
 * one: finish the request, or put it back in line for a retry, and report the run to the spec's
 * triggers (which feeds {@code after:} chains).
 *
 * <p>Threading: {@link #admitted}, {@link #heartbeat}, {@link #enforce} and {@link #shutdown} are
 * called from the daemon's one pass thread; each run executes on a run thread, which ends it. The
 * map of active runs is the only state both touch. Every run future is owned here: the run thread
 * catches and logs everything, and a shutdown waits for them (or interrupts them once its grace ran
 * out).
 */
final class RunSupervisor {

    private static final Logger LOG = LoggerFactory.getLogger(RunSupervisor.class);

    private final ServeConfig config;
    private final String owner;
    private final MetadataStore metadata;
    private final RunQueue queue;
    private final FlinkTarget target;
    private final RunLauncher launcher;
    private final RunReconciler reconciler;
    private final TriggerEvaluator triggers;
    private final Clock clock;
    private final Runnable wakeup;
    private final RunEnds ends;
    private final ServeListener listener;
    private final ThreadPoolExecutor pool;
    private final Map<Long, ActiveRun> active = new ConcurrentHashMap<>();
    /** Reclaimed requests whose earlier run could not be looked at yet (the cluster was unreachable). */
    private final Map<Long, QueuedRun> toReconcile = new LinkedHashMap<>();
    private final Object idle = new Object();
    private volatile boolean detached;

    /**
     * {@code queue} is used to end requests, never to admit; {@code wakeup} is called when a run ended;
     * {@code listener} is told of each start and end.
     */
    RunSupervisor(ServeConfig config, String owner, MetadataStore metadata, RunQueue queue, FlinkTarget target,
            RunLauncher launcher, TriggerEvaluator triggers, Clock clock, Runnable wakeup, ServeListener listener) {
        this.config = config;
        this.owner = owner;
        this.metadata = metadata;
        this.queue = queue;
        this.target = target;
        this.launcher = launcher;
        this.reconciler = new RunReconciler(metadata, target, clock, config.followInterval());
        this.triggers = triggers;
        this.clock = clock;
        this.wakeup = wakeup;
        this.listener = listener;
        this.ends = new RunEnds(config, metadata, queue, target, triggers, clock);
        AtomicInteger threads = new AtomicInteger();
        // at most maxRuns threads, made as needed and reused when idle; no waiting line: the daemon admits nothing while
        // maxRuns runs are active, and a run that finds no thread goes back in the queue
        this.pool = new ThreadPoolExecutor(0, config.maxRuns(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "serve-run-" + threads.incrementAndGet());
                    t.setDaemon(true);   // a detached shutdown leaves followers behind without holding the JVM
                    return t;
                });
    }

    /** Runs being followed now. */
    int running() {
        return active.size();
    }

    /** Whether a run thread is free for another run. */
    boolean hasRoom() {
        return active.size() + toReconcile.size() < config.maxRuns();
    }

    /** The runs being followed, for status views. */
    List<ActiveRun> active() {
        return List.copyOf(active.values());
    }

    // ---- the pass thread ----

    /**
     * Takes on the requests this daemon just admitted: a request with a run id came back from an
     * earlier daemon and is reconciled first ({@link RunReconciler}); the others are started, their
     * run ids recorded in one transaction before any of them runs.
     */
    void admitted(List<QueuedRun> requests) {
        List<QueuedRun> fresh = new ArrayList<>();
        for (QueuedRun request : requests) {
            if (request.runId() == null || reconcile(request)) {
                fresh.add(request);
            }
        }
        start(fresh);
    }

    /** Looks again at the reclaimed requests whose runs could not be looked at before. */
    void reconcileLeftovers() {
        admitted(new ArrayList<>(toReconcile.values()));
    }

    /** Ends, follows or retries a reclaimed request as its earlier run says; true when that run never started. */
    private boolean reconcile(QueuedRun request) {
        Observation seen;
        try {
            seen = reconciler.observe(request.runId());
        } catch (OrchestratorException e) {
            LOG.warn("cannot tell yet what became of run {} of request {}; will look again: {}", request.runId(), request.id(),
                    e.getMessage());
            toReconcile.put(request.id(), request);
            return false;
        }
        toReconcile.remove(request.id());
        Instant now = clock.instant();
        if (seen instanceof Observation.Succeeded s) {
            LOG.info("request {}: its run {} had succeeded; finishing it", request.id(), s.run().id());
            RunEnds.endRequest(request.id(), () -> queue.finish(request.id(), true, s.run().id(), now));
            ends.reportEnd(request.request().spec(), s.run().id(), true);
        } else if (seen instanceof Observation.Failed f) {
            ends.retryOrFail(request, f.run(), FailureClassifier.classify(f.evidence()), now);
        } else if (seen instanceof Observation.Running r) {
            follow(request, r.run(), r.jobId());
        }
        return seen instanceof Observation.NotStarted;
    }

    private record Prepared(QueuedRun request, RunPayload payload, RefreshSpec spec) {
    }

    private void start(List<QueuedRun> requests) {
        if (requests.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Map<Long, Prepared> prepared = new LinkedHashMap<>();
        Map<Long, String> runIds = new LinkedHashMap<>();
        for (QueuedRun request : requests) {
            try {
                RunPayload payload = RunPayload.fromJson(request.request().payloadJson(), "run request " + request.id());
                prepared.put(request.id(), new Prepared(request, payload, payload.spec()));
                runIds.put(request.id(), RunIds.newId(now));
            } catch (OrchestratorException e) {
                ends.unreadable(request, e, now);
            }
        }
        // recorded before anything runs: a restart finds each run (or its absence) by this id
        Map<Long, QueuedRun> attached = queue.attachRuns(runIds);
        for (Prepared p : prepared.values()) {
            if (!attached.containsKey(p.request().id())) {
                LOG.info("request {} ended before its run started (cancelled?)", p.request().id());
                continue;
            }
            String runId = runIds.get(p.request().id());
            QueuedRun request = attached.get(p.request().id());
            ActiveRun run = new ActiveRun(request, p.spec().name(), runId, now, deadline(now), null);
            RunLauncher.Launch launch = new RunLauncher.Launch(runId, request, p.payload(),
                    p.payload().origin(p.spec().name(), request.id()));
            Duration sinceFiring = Duration.between(p.payload().firedAt(), now);
            LOG.info("request {} of spec {} (tenant {}, {} slots): starting run {}, {} ms after its trigger fired", request.id(),
                    p.spec().name(), request.tenant(), request.slots(), runId, sinceFiring.toMillis());
            ServeDaemon.tell(() -> listener.runStarted(request.tenant(), p.spec().name(), sinceFiring));
            submit(run, () -> launcher.run(launch), p.payload());
        }
    }

    private void follow(QueuedRun request, RunRecord run, String jobId) {
        RunPayload payload;
        try {
            payload = RunPayload.fromJson(request.request().payloadJson(), "run request " + request.id());
        } catch (OrchestratorException e) {
            payload = null;   // its record exists, which is all that ending it needs
        }
        ActiveRun followed = new ActiveRun(request, request.request().spec(), run.id(), run.startedAt(),
                deadline(run.startedAt()), jobId);
        submit(followed, () -> reconciler.follow(run, jobId), payload);
    }

    private Instant deadline(Instant start) {
        return config.runTimeout().map(start::plus).orElse(null);
    }

    private void submit(ActiveRun run, Supplier<RunRecord> body, RunPayload payload) {
        active.put(run.requestId(), run);
        try {
            run.future = pool.submit(() -> execute(run, body, payload));
        } catch (RejectedExecutionException full) {
            active.remove(run.requestId());
            LOG.warn("no run thread free for request {}; it goes back in line", run.requestId());
            RunEnds.endRequest(run.requestId(), () -> queue.requeue(run.requestId(), Requeue.RELEASED, clock.instant(),
                    clock.instant()));
        }
    }

    /**
     * Renews this daemon's leases and stops the runs whose request it no longer holds: cancelled by
     * {@code embedflow runs cancel}, or reclaimed by someone else after its lease lapsed.
     */
    void heartbeat(Instant now) {
        Set<Long> held = queue.heartbeat(owner, now);
        for (ActiveRun run : active.values()) {
            if (held.contains(run.requestId()) || run.future == null || run.future.isDone()) {
                continue;
            }
            QueueState state = queue.find(run.requestId()).map(QueuedRun::state).orElse(QueueState.CANCELLED);
            if (state == QueueState.CANCELLED) {
                stop(run, StopCause.USER, "by `embedflow runs cancel`");
            } else if (state.isActive()) {
                stop(run, StopCause.LEASE_LOST, "its lease on request " + run.requestId() + " lapsed and it was reclaimed");
            }
        }
    }

    /** Stops runs past their deadline, and asks again for the jobs of stopping runs whose job was not found before. */
    void enforce(Instant now) {
        for (ActiveRun run : active.values()) {
            if (run.deadline != null && now.isAfter(run.deadline)) {
                stop(run, StopCause.TIMEOUT, "timed out after " + config.runTimeout().orElseThrow());
            }
            if (run.needsJobCancel()) {
                cancelJob(run);
            }
        }
    }

    private void stop(ActiveRun run, StopCause cause, String reason) {
        if (run.requestStop(cause, reason)) {
            LOG.info("stopping run {} of spec {}: {}", run.runId, run.spec, reason);
            cancelJob(run);
        }
    }

    /** Cancels the run's Flink job if it has one yet; {@link #enforce} tries again until it has. */
    private void cancelJob(ActiveRun run) {
        try {
            String jobId = run.knownJobId != null ? run.knownJobId
                    : target.findJob(RunReconciler.jobName(run.runId)).filter(j -> !j.isTerminal()).map(FlinkJob::id).orElse(null);
            if (jobId != null) {
                target.cancel(jobId);
                run.jobCancelled();
                LOG.info("asked Flink to cancel job {} of run {}", jobId, run.runId);
            }
        } catch (OrchestratorException e) {
            LOG.warn("cannot cancel the job of run {} now: {}", run.runId, e.getMessage());
        }
    }

    // ---- run threads ----

    private void execute(ActiveRun run, Supplier<RunRecord> body, RunPayload payload) {
        try {
            RunRecord done;
            try {
                done = body.get();
            } catch (RuntimeException failure) {
                if (!detached) {
                    ends.failed(run, failure, payload);
                    ServeDaemon.tell(() -> listener.runEnded(run.request.tenant(), run.spec, false));
                }
                return;
            }
            if (!detached) {
                ends.succeeded(run, done);
                ServeDaemon.tell(() -> listener.runEnded(run.request.tenant(), run.spec, true));
            }
        } catch (RuntimeException e) {
            LOG.error("could not record the end of run {} of request {}: {}", run.runId, run.requestId(), e.getMessage(), e);
        } finally {
            active.remove(run.requestId(), run);
            synchronized (idle) {
                idle.notifyAll();
            }
            wakeup.run();
        }
    }

    /** This process's log and, when the cluster still knows it, the run's Flink job. */
    String logLocation(String runId) {
        return ends.logLocation(runId);
    }

    // ---- shutdown ----

    /** Waits until no run is active, at most {@code timeout}; true if none is. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (!active.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
        return true;
    }

    /**
     * Stops following runs as {@code policy} says: {@link ShutdownPolicy#REQUEUE} cancels their jobs
     * and waits up to the grace for them to end (each goes back in line), then interrupts what is left;
     * {@link ShutdownPolicy#DETACH} leaves the jobs running and hands their requests back with their
     * run ids for the next start to follow.
     */
    void shutdown(ShutdownPolicy policy) {
        if (policy == ShutdownPolicy.DETACH) {
            detached = true;
            pool.shutdown();
            List<QueuedRun> handedBack = queue.reclaimOwner(owner, clock.instant());
            LOG.info("detached from {} running runs; requests {} go back in line for the next start to follow", active.size(),
                    handedBack.stream().map(QueuedRun::id).toList());
            return;
        }
        for (ActiveRun run : active.values()) {
            stop(run, StopCause.SHUTDOWN, "serve shut down");
        }
        pool.shutdown();
        try {
            long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
            // a run may submit its job after the stop was asked for: keep asking until it ends or the grace is over
            while (!awaitIdle(Duration.ofMillis(200)) && System.nanoTime() < deadline) {
                active.values().stream().filter(ActiveRun::needsJobCancel).forEach(this::cancelJob);
            }
            if (!active.isEmpty()) {
                LOG.warn("{} runs did not end within {} of the shutdown; interrupting them", active.size(), config.shutdownGrace());
                pool.shutdownNow();
                if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("run threads still busy; their leases lapse and the next start reconciles their runs");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }
}
