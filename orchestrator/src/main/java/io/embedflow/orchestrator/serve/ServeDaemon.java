package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.queue.FairShare;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.queue.TenantPolicy;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.schedule.DatasetProbe;
import io.embedflow.orchestrator.schedule.TriggerEvaluator;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon behind {@code embedflow serve}: every tick it evaluates the refresh specs' triggers,
 * turns pending firings into run queue requests ({@link FiringIntake}), renews its leases, stops
 * runs that were cancelled or timed out, reclaims expired leases, admits from the queue with the
 * cluster's capacity and the tenants' policies, and starts what it admitted ({@link RunSupervisor}).
 *
 * <p>Its state lives only in the metadata store, so it may be killed at any moment: firings are
 * taken in the transaction that queues their request, a request records its run id before the run
 * starts, and a start takes back the leases of this daemon's earlier incarnation ({@link #recover})
 * and reconciles their runs when they are admitted again (see {@code docs/schedule.md}, "serve").
 *
 * <p>Several replicas: a daemon schedules only while its {@link Leadership} leads ({@link
 * Leadership#always()} alone). A follower's pass does nothing: no trigger evaluation, intake,
 * admission or start. A daemon that led and no longer leads steps down at its next pass (its
 * leadership wakes it): it admits nothing more and stops its runs as a shutdown does ({@link
 * ServeConfig#onShutdown()}: requeue, or detach for the next leader to follow), its loop ends and
 * {@link #lostLeadership()} is true; {@code embedflow serve} then exits non-zero and stands again as
 * a follower when restarted. So a run belongs to the process that started it until it hands it back;
 * the queue's leases keep any overlap harmless.
 *
 * <p>Threading: one pass at a time ({@link #pass} is synchronized), on the thread that calls
 * {@link #serve} or {@link #pass}; runs on the supervisor's run threads. The caller owns the
 * metadata store, the target, the launcher and the leadership, and closes them after {@link #close}.
 *
 * <pre>{@code
 * ServeDaemon daemon = ServeDaemon.create(config, metadata, registry, probe, flink, new RefreshLauncher(runner, flink, metadata),
 *         CapacitySource.fixed(8), Clock.systemUTC());
 * Runtime.getRuntime().addShutdownHook(new Thread(daemon::close));
 * daemon.serve();   // until close()
 * }</pre>
 */
public final class ServeDaemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServeDaemon.class);
    private static final AtomicInteger INCARNATIONS = new AtomicInteger();

    private final ServeConfig config;
    private final String owner;
    private final MetadataStore metadata;
    private final TriggerEvaluator triggers;
    private final FiringIntake intake;
    private final RunSupervisor supervisor;
    private final CapacitySource capacity;
    private final RunQueue view;
    private final Clock clock;
    private final ServeListener listener;
    private final Leadership leadership;
    private final Semaphore wakeups = new Semaphore(0);
    /** Set by the leadership's watcher: the loop's next pass is a full one. */
    private final AtomicBoolean leadershipChanged = new AtomicBoolean();
    /** Whether this daemon led at any time, seen by a pass or told by its leadership. */
    private volatile boolean led;
    private final CountDownLatch loopDone = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean looping;
    private volatile Integer lastCapacity;
    private volatile boolean steppedDown;
    private boolean closed;

    /**
     * What one pass did, and how long its steps took.
     *
     * @param firings the triggers that fired in this pass's evaluation
     * @param queued the firings that became new requests
     * @param folded the firings folded into an active request doing the same work
     * @param admitted the requests admitted and started (or reconciled)
     * @param capacitySlots the capacity admitted against; null while unknown
     * @param evaluating time in trigger evaluation
     * @param taking time turning firings into requests
     * @param admitting time in the admission pass and handing admitted runs to run threads
     * @param took the whole pass
     */
    public record Pass(int firings, int queued, int folded, int admitted, Integer capacitySlots, Duration evaluating,
            Duration taking, Duration admitting, Duration took) {

        /** The pass of a daemon that does not lead: it did nothing. */
        static Pass idle(Integer capacitySlots) {
            return new Pass(0, 0, 0, 0, capacitySlots, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        }
    }

    private ServeDaemon(ServeConfig config, MetadataStore metadata, ModelRegistry registry, DatasetProbe probe, FlinkTarget target,
            RunLauncher launcher, CapacitySource capacity, Clock clock, ServeListener listener, Leadership leadership) {
        this.config = config;
        // NAME#PID-START.N: unique per incarnation, even for daemons started in one process (tests) or on a manual clock
        this.owner = config.name() + "#" + ProcessHandle.current().pid() + "-" + Long.toString(System.currentTimeMillis(), 36)
                + "." + INCARNATIONS.incrementAndGet();
        this.metadata = metadata;
        this.triggers = new TriggerEvaluator(metadata, probe, clock);
        this.capacity = capacity;
        this.clock = clock;
        this.listener = listener;
        this.leadership = leadership;
        // a view for what needs no capacity: ending requests, leases, listings
        this.view = metadata.runQueue(FairShare.of(1, config.tenants()), config.leaseTtl());
        this.supervisor = new RunSupervisor(config, owner, metadata, view, target, launcher, triggers, clock, wakeups::release,
                listener);
        this.intake = new FiringIntake(metadata, registry, probe, triggers, supervisor::logLocation, config.firingsPerPass());
        leadership.watch(leads -> {
            if (leads) {
                led = true;
            }
            leadershipChanged.set(true);
            wakeups.release();
        });
    }

    public static ServeDaemon create(ServeConfig config, MetadataStore metadata, ModelRegistry registry, DatasetProbe probe,
            FlinkTarget target, RunLauncher launcher, CapacitySource capacity, Clock clock) {
        return create(config, metadata, registry, probe, target, launcher, capacity, clock, ServeListener.NONE);
    }

    /** As the other {@code create}, and tells {@code listener} what the daemon does (e.g. for metrics). */
    public static ServeDaemon create(ServeConfig config, MetadataStore metadata, ModelRegistry registry, DatasetProbe probe,
            FlinkTarget target, RunLauncher launcher, CapacitySource capacity, Clock clock, ServeListener listener) {
        return create(config, metadata, registry, probe, target, launcher, capacity, clock, listener, Leadership.always());
    }

    /**
     * As the other {@code create}, for one of several daemons standing for one role: it schedules
     * only while {@code leadership} leads, and steps down when it stops leading (see the class comment).
     */
    public static ServeDaemon create(ServeConfig config, MetadataStore metadata, ModelRegistry registry, DatasetProbe probe,
            FlinkTarget target, RunLauncher launcher, CapacitySource capacity, Clock clock, ServeListener listener,
            Leadership leadership) {
        return new ServeDaemon(Objects.requireNonNull(config, "config"), Objects.requireNonNull(metadata, "metadata"),
                Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(probe, "probe"),
                Objects.requireNonNull(target, "target"), Objects.requireNonNull(launcher, "launcher"),
                Objects.requireNonNull(capacity, "capacity"), Objects.requireNonNull(clock, "clock"),
                Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(leadership, "leadership"));
    }

    /** Who this daemon's leases name: {@code NAME#BOOT}. */
    public String owner() {
        return owner;
    }

    public ServeConfig config() {
        return config;
    }

    /**
     * Takes back, now, the requests that earlier incarnations of this daemon's name still hold (a
     * crash left their leases running): they go back in line with their run ids and are reconciled
     * when admitted again. Call once before the first pass; {@link #serve} does.
     */
    public List<QueuedRun> recover() {
        Instant now = clock.instant();
        String prefix = config.name() + "#";
        Set<String> earlier = new TreeSet<>();
        for (QueuedRun run : view.list(QueueState.ADMITTED)) {
            if (run.leaseOwner() != null && run.leaseOwner().startsWith(prefix) && !run.leaseOwner().equals(owner)) {
                earlier.add(run.leaseOwner());
            }
        }
        List<QueuedRun> reclaimed = new ArrayList<>();
        for (String previous : earlier) {
            reclaimed.addAll(view.reclaimOwner(previous, now));
        }
        if (!reclaimed.isEmpty()) {
            LOG.info("took back {} requests held by earlier incarnations {} of this daemon", reclaimed.size(), earlier);
        }
        return reclaimed;
    }

    /** One full pass now, evaluating triggers: what the loop does every tick. */
    public Pass pass() {
        return pass(true);
    }

    private synchronized Pass pass(boolean evaluate) {
        if (!leads()) {
            return Pass.idle(lastCapacity);
        }
        long start = System.nanoTime();
        Instant now = clock.instant();
        int firings = evaluate ? step("evaluate triggers", () -> triggers.evaluateAll(now).firings().size(), 0) : 0;
        long evaluated = System.nanoTime();
        long taken0 = evaluated;
        long taken1 = evaluated;
        OptionalInt slots = capacity.slots();
        if (slots.isPresent()) {
            lastCapacity = slots.getAsInt();
        }
        FiringIntake.Report taken = null;
        int admitted = 0;
        step("renew leases", () -> {
            supervisor.heartbeat(now);
            supervisor.enforce(now);
            return null;
        }, null);
        if (slots.isPresent()) {
            RunQueue queue = metadata.runQueue(FairShare.of(slots.getAsInt(), config.tenants()), config.leaseTtl());
            taken0 = System.nanoTime();
            taken = step("take firings", () -> intake.take(queue, now, !capacity.isFixed()), null);
            taken1 = System.nanoTime();
            step("reclaim expired leases", () -> queue.reclaimExpired(now), null);
            step("reconcile", () -> {
                supervisor.reconcileLeftovers();
                return null;
            }, null);
            if (supervisor.hasRoom() && leadership.isLeader()) {
                admitted = step("admit", () -> {
                    List<QueuedRun> runs = queue.admit(owner, now);
                    supervisor.admitted(runs);
                    return runs.size();
                }, 0);
            }
        }
        long end = System.nanoTime();
        Pass pass = new Pass(firings, taken == null ? 0 : taken.queued(), taken == null ? 0 : taken.folded(), admitted,
                lastCapacity, Duration.ofNanos(evaluated - start), Duration.ofNanos(taken1 - taken0),
                Duration.ofNanos(end - taken1), Duration.ofNanos(end - start));
        if (pass.firings() + pass.queued() + pass.folded() + pass.admitted() > 0) {
            LOG.info("pass: {} firings, {} queued, {} folded into queued work, {} admitted on {} slots, {} ms", pass.firings(),
                    pass.queued(), pass.folded(), pass.admitted(), lastCapacity, pass.took().toMillis());
        }
        tell(() -> listener.passEnded(pass));
        return pass;
    }

    /**
     * Whether this pass may schedule. A daemon that led and no longer does steps down here, before
     * anything else of the pass runs: its leadership does not stand again. Pass thread only.
     */
    private boolean leads() {
        if (steppedDown) {
            return false;
        }
        if (leadership.isLeader()) {
            led = true;
            return true;
        }
        if (led) {
            stepDown();
        }
        return false;
    }

    /** Stops as a shutdown does, in the pass: nothing more is admitted, and the runs go as {@link ServeConfig#onShutdown()} says. */
    private void stepDown() {
        steppedDown = true;
        stopping = true;
        wakeups.release();
        closed = true;
        LOG.warn("serve {} lost the leadership ({}) with {} runs running: it admits nothing more and stops them as on a "
                + "shutdown ({}); the next leader takes their requests", owner, leadership, supervisor.running(),
                config.onShutdown());
        supervisor.shutdown(config.onShutdown());
    }

    /**
     * Whether this daemon stepped down because it lost the leadership it scheduled under; its loop
     * has ended (or ends at once) and its runs were stopped as {@link ServeConfig#onShutdown()} says.
     */
    public boolean lostLeadership() {
        return steppedDown;
    }

    /** Whether this daemon schedules now: it leads and has not stepped down. */
    public boolean isLeader() {
        return !steppedDown && leadership.isLeader();
    }

    /** Runs one step of a pass; a failing step is logged and the pass goes on, so one bad spec or outage stops nothing else. */
    private static <T> T step(String what, Supplier<T> work, T otherwise) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            LOG.error("serve could not {} in this pass: {}", what, e.getMessage(), e);
            return otherwise;
        }
    }

    /** Calls a {@link ServeListener}: what it throws is logged, never passed on. */
    static void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("a serve listener failed: {}", e.getMessage(), e);
        }
    }

    /**
     * Passes until {@link #close}: a full pass every tick, and in between an admission pass (no
     * trigger evaluation) whenever a run ends, so freed slots are used at once.
     */
    public void serve() {
        looping = true;
        try {
            recover();
            Instant nextTick = Instant.MIN;
            while (!stopping) {
                // a daemon that just came to lead evaluates at once instead of at its next tick
                boolean full = leadershipChanged.getAndSet(false) || !clock.instant().isBefore(nextTick);
                pass(full);
                if (full) {
                    nextTick = clock.instant().plus(config.tick());
                }
                long waitMillis = Math.max(1, Duration.between(clock.instant(), nextTick).toMillis());
                if (wakeups.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                    wakeups.drainPermits();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loopDone.countDown();
        }
    }

    /** Waits until no run is being followed, at most {@code timeout}; true if none is. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return supervisor.awaitIdle(timeout);
    }

    /** Runs being followed now. */
    public int running() {
        return supervisor.running();
    }

    /** The queue per tenant and the runs this daemon follows. */
    public ServeStatus status() {
        Map<String, int[]> counts = new TreeMap<>();
        for (TenantPolicy policy : config.tenants()) {
            counts.put(policy.name(), new int[4]);
        }
        Instant now = clock.instant();
        for (QueuedRun run : view.list(QueueState.QUEUED)) {
            int[] c = counts.computeIfAbsent(run.tenant(), t -> new int[4]);
            c[0]++;
            if (run.notBefore() != null && run.notBefore().isAfter(now)) {
                c[1]++;
            }
        }
        for (QueuedRun run : view.list(QueueState.ADMITTED)) {
            int[] c = counts.computeIfAbsent(run.tenant(), t -> new int[4]);
            c[2]++;
            c[3] += run.slots();
        }
        FairShare share = view.share();
        Map<String, ServeStatus.Tenant> tenants = new TreeMap<>();
        counts.forEach((name, c) -> {
            TenantPolicy policy = share.policyOf(name);
            tenants.put(name, new ServeStatus.Tenant(policy.weight(), policy.maxSlots().isPresent() ? policy.maxSlots().getAsInt() : null,
                    c[0], c[1], c[2], c[3]));
        });
        List<ServeStatus.Run> running = supervisor.active().stream()
                .map(r -> new ServeStatus.Run(r.requestId(), r.runId, r.spec, r.request.tenant(), r.request.slots(), r.startedAt.toString(),
                        r.stopReason()))
                .sorted(java.util.Comparator.comparingLong(ServeStatus.Run::request))
                .toList();
        return new ServeStatus(owner, isLeader(), now.toString(), lastCapacity, tenants, running);
    }

    /**
     * Stops: ends the loop, then treats the running runs as {@link ServeConfig#onShutdown()} says.
     * Idempotent; does not close the metadata store, the target or the launcher.
     */
    @Override
    public void close() {
        stopping = true;
        wakeups.release();
        if (looping) {
            try {
                if (!loopDone.await(config.tick().toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
                    throw new OrchestratorException("the serve loop did not stop within a minute of being asked");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            LOG.info("serve {} stopping ({} runs running; on shutdown: {})", owner, supervisor.running(), config.onShutdown());
            supervisor.shutdown(config.onShutdown());
        }
    }
}
