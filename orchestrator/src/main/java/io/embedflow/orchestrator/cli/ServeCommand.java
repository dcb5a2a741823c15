package io.embedflow.orchestrator.cli;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.http.BearerToken;
import io.embedflow.orchestrator.http.StatusServer;
import io.embedflow.orchestrator.http.ui.WebUi;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metrics.OrchestratorMetrics;
import io.embedflow.orchestrator.queue.TenantPolicy;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.schedule.ObjectStoreDatasetProbe;
import io.embedflow.orchestrator.serve.CapacitySource;
import io.embedflow.orchestrator.serve.Leadership;
import io.embedflow.orchestrator.serve.RefreshLauncher;
import io.embedflow.orchestrator.serve.RetryPolicy;
import io.embedflow.orchestrator.serve.ServeConfig;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.serve.ShutdownPolicy;
import io.embedflow.orchestrator.serve.k8s.LeaseElection;
import io.embedflow.orchestrator.serve.k8s.LeaseLeadership;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow serve}: the daemon that evaluates the refresh specs' triggers and runs the queue
 * (see {@link ServeDaemon}), with its web UI and status endpoint ({@link StatusServer}, {@link WebUi}), until
 * SIGTERM or Ctrl-C.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the scheduler: evaluate the refresh specs' triggers every tick, queue their runs, share the "
                + "cluster's task slots between tenants and run what is admitted, until stopped (SIGTERM, Ctrl-C). "
                + "Its state is in the metadata store: kill it at any time and start it again.")
final class ServeCommand implements Callable<Integer> {
    private static final Pattern TENANT = Pattern.compile("([^=]+)=(\\d+)(?::(\\d+))?");

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--slots", paramLabel = "N",
            description = "Task slots to share (default: the embedded cluster gets one per core; with --flink or "
                    + "--flink-deployment, read from the cluster before each pass; required with --flink-application-template).")
    Integer slots;

    @Mixin
    FlinkTargetOptions flink = new FlinkTargetOptions();

    @Option(names = "--tenant", paramLabel = "NAME=WEIGHT[:MAXSLOTS]",
            description = "A tenant's weight in the fair share and, optionally, the most slots it may hold (repeatable; "
                    + "others get weight 1, no quota).")
    List<String> tenants = new ArrayList<>();

    @Option(names = "--tick", paramLabel = "DURATION", defaultValue = "5s", converter = Durations.class,
            description = "How often triggers are evaluated and the queue admitted from (default: ${DEFAULT-VALUE}).")
    Duration tick;

    @Option(names = "--lease", paramLabel = "DURATION", converter = Durations.class,
            description = "How long an admitted run's lease lasts without renewal (default: 60s, at least three ticks).")
    Duration lease;

    @Option(names = "--run-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Cancel a run's Flink job and fail the run after this long (default: no limit).")
    Duration runTimeout;

    @Option(names = "--transient-retries", paramLabel = "N", defaultValue = "3",
            description = "Retries of a run after transient failures (Flink or a store unreachable, throttling) (default: ${DEFAULT-VALUE}).")
    int transientRetries;

    @Option(names = "--preemption-retries", paramLabel = "N", defaultValue = "5",
            description = "Retries of a run after it lost its resources (a task manager, its serve process) (default: ${DEFAULT-VALUE}).")
    int preemptionRetries;

    @Option(names = "--retry-backoff", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
            description = "Wait before a first retry, doubling per retry up to 10m (default: ${DEFAULT-VALUE}).")
    Duration retryBackoff;

    @Option(names = "--max-runs", paramLabel = "N",
            description = "Most runs followed at once (default: --slots, or 16 when the slots are read from the cluster).")
    Integer maxRuns;

    @Option(names = "--name", paramLabel = "NAME",
            description = "This daemon's name, unique among daemons sharing the metadata store; a start takes back what an "
                    + "earlier process of the same name held (default: the host name).")
    String name;

    @Option(names = "--on-shutdown", paramLabel = "POLICY", defaultValue = "requeue",
            description = "requeue: cancel running jobs and queue their runs again; detach (with --flink): leave them running "
                    + "for the next start to follow (default: ${DEFAULT-VALUE}).")
    String onShutdown;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
            description = "How long a stop waits for cancelled runs to end (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address of the web UI and status endpoint (default: ${DEFAULT-VALUE}); any other than loopback "
                    + "needs a token.")
    String bind;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8765",
            description = "Port of the web UI and status endpoint, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the bearer token every request to the endpoint must carry (or set $"
                    + BearerToken.ENV + "); browsers sign in with it at /login.")
    Path tokenFile;

    // ---- several replicas: leader election ----

    /** The exit status of a leader that lost its leadership: the process ends so that it restarts as a follower. */
    static final int LOST_LEADERSHIP = 3;

    @Option(names = "--leader-election", paramLabel = "NAMESPACE/LEASE",
            description = "Replicas of serve stand for this Kubernetes Lease; only its holder schedules. A leader that loses "
                    + "it stops its runs as --on-shutdown says and exits with status " + LOST_LEADERSHIP
                    + " (default: schedule alone).")
    String leaderElection;

    @Option(names = "--leader-lease-duration", paramLabel = "DURATION", converter = Durations.class,
            description = "How long the others wait for an unrenewed Lease before taking it; a leader that cannot renew for "
                    + "two thirds of it stops leading (default: 15s).")
    Duration leaderLeaseDuration;

    /** What --leader-election asks for; null without it. */
    private LeaseElection leaseElection() {
        if (leaderElection == null) {
            if (leaderLeaseDuration != null) {
                throw new ParameterException(spec.commandLine(), "--leader-lease-duration needs --leader-election");
            }
            return null;
        }
        LeaseElection.Builder election = LeaseElection.builder();
        try {
            election.setLease(leaderElection.strip());
        } catch (OrchestratorException e) {
            throw new ParameterException(spec.commandLine(), "--leader-election: " + e.getMessage());
        }
        if (leaderLeaseDuration != null) {
            election.optLeaseDuration(leaderLeaseDuration);
        }
        try {
            return election.build();
        } catch (OrchestratorException e) {
            throw new ParameterException(spec.commandLine(), "--leader-lease-duration: " + e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        ServeConfig config = config();
        LeaseElection election = leaseElection();
        Optional<BearerToken> token = BearerToken.find(tokenFile, System.getenv(BearerToken.ENV));
        requireTokenOffLoopback(token);
        flink.validate(spec.commandLine());
        if (config.onShutdown() == ShutdownPolicy.DETACH && flink.embedded()) {
            throw new ParameterException(spec.commandLine(), "--on-shutdown detach needs a cluster of its own (--flink, "
                    + "--flink-deployment): an embedded cluster's jobs end with the process");
        }
        if (!flink.embedded() && !flink.readsSlots() && slots == null) {
            throw new ParameterException(spec.commandLine(), "--flink-application-template needs --slots: each job brings its "
                    + "own cluster, so the slots serve may fill at once must be given");
        }
        PrintWriter out = spec.commandLine().getOut();
        EmbedflowHome home = main.openHome();
        FlinkTarget target = null;
        Leadership leadership = null;
        ServeDaemon daemon = null;
        StatusServer http = null;
        try {
            int embeddedSlots = slots != null ? slots : Runtime.getRuntime().availableProcessors();
            target = flink.open(spec.commandLine(), embeddedSlots);
            CapacitySource capacity = flink.embedded() || slots != null
                    ? CapacitySource.fixed(flink.embedded() ? embeddedSlots : slots) : CapacitySource.of(target);
            OrchestratorMetrics metrics = new OrchestratorMetrics(home.metadata());
            leadership = election == null ? Leadership.always() : LeaseLeadership.start(election);
            daemon = ServeDaemon.create(config, home.metadata(), home.registry(),
                    new ObjectStoreDatasetProbe(S3Settings.fromEnvironment()), target,
                    CommandReports.reporting(home, new RefreshLauncher(new RefreshRunner(home.metadata(), home.registry()), target,
                            home.metadata())), capacity, Clock.systemUTC(), metrics, leadership);
            metrics.watch(daemon::status);
            http = StatusServer.builder().setAddress(bind, port).setToken(token)
                    .optRoutes(WebUi.of(home, daemon::status, Clock.systemUTC()))
                    .optText("/metrics", OrchestratorMetrics.CONTENT_TYPE, () -> metrics.scrape().text())
                    .start();
            out.printf("serve %s: %s on %s, web UI and status at %s/ (metrics at /metrics)%s; metadata %s; log %s%n",
                    daemon.owner(), capacity, flink.describe(), http.address(),
                    token.isPresent() ? " (token required: sign in at " + http.address() + "/login)" : "",
                    home.metadata().database(), config.logFile());
            if (election != null) {
                out.printf("serve %s: stands for leadership of Lease %s as %s; it schedules only while it leads%n",
                        daemon.owner(), election.leaseRef(), election.identity());
            }
            out.flush();
            if (!serveUntilStopped(daemon, leadership, http, target, home)) {
                spec.commandLine().getErr().printf("serve %s lost the leadership of %s and stopped its runs (--on-shutdown %s); "
                        + "exiting with status %d to stand again as a follower%n", daemon.owner(), leadership,
                        onShutdown.strip(), LOST_LEADERSHIP);
                return LOST_LEADERSHIP;
            }
            return 0;
        } catch (RuntimeException e) {
            closeQuietly(daemon, leadership, http, target, home, e);
            throw e;
        }
    }

    /**
     * Passes in this thread; a stop (SIGTERM, Ctrl-C) closes everything from the shutdown hook, which this thread waits for.
     * False when the daemon stepped down because it lost its leadership: then this thread closes everything.
     */
    private static boolean serveUntilStopped(ServeDaemon daemon, Leadership leadership, StatusServer http, FlinkTarget target,
            EmbedflowHome home) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                closeQuietly(daemon, leadership, http, target, home, null);
            } finally {
                stopped.countDown();
            }
        }, "serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        daemon.serve();
        if (daemon.lostLeadership()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                stopped.await();
                return false;
            }
            closeQuietly(daemon, leadership, http, target, home, null);
            return false;
        }
        stopped.await();
        return true;
    }

    /** In this order: the daemon hands its runs back before the leadership is given up. */
    private static void closeQuietly(ServeDaemon daemon, Leadership leadership, StatusServer http, FlinkTarget target,
            EmbedflowHome home, RuntimeException failure) {
        for (AutoCloseable c : new AutoCloseable[] {daemon, leadership, http, target, home}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    private ServeConfig config() {
        List<TenantPolicy> policies = new ArrayList<>();
        for (String t : tenants) {
            Matcher m = TENANT.matcher(t.strip());
            if (!m.matches()) {
                throw new ParameterException(spec.commandLine(), "--tenant '" + t + "' is not NAME=WEIGHT[:MAXSLOTS], e.g. search=2:8");
            }
            TenantPolicy policy = TenantPolicy.of(m.group(1), Integer.parseInt(m.group(2)));
            policies.add(m.group(3) == null ? policy : policy.withMaxSlots(Integer.parseInt(m.group(3))));
        }
        ShutdownPolicy shutdown;
        try {
            shutdown = ShutdownPolicy.valueOf(onShutdown.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--on-shutdown is requeue or detach, not '" + onShutdown + "'");
        }
        if (slots != null && slots < 1) {
            throw new ParameterException(spec.commandLine(), "--slots must be at least 1, was " + slots);
        }
        ServeConfig.Builder b = ServeConfig.builder()
                .optTick(tick)
                .optTenants(policies)
                .optRetries(new RetryPolicy(transientRetries, preemptionRetries, retryBackoff,
                        retryBackoff.compareTo(Duration.ofMinutes(10)) > 0 ? retryBackoff : Duration.ofMinutes(10)))
                .optMaxRuns(maxRuns != null ? maxRuns : slots != null ? slots : flink.embedded()
                        ? Runtime.getRuntime().availableProcessors() : 16)
                .optOnShutdown(shutdown)
                .optShutdownGrace(shutdownGrace);
        if (lease != null) {
            b.optLease(lease);
        }
        if (runTimeout != null) {
            b.optRunTimeout(runTimeout);
        }
        if (name != null) {
            b.optName(name);
        }
        return b.build();
    }

    private void requireTokenOffLoopback(Optional<BearerToken> token) {
        try {
            if (!InetAddress.getByName(bind).isLoopbackAddress() && token.isEmpty()) {
                throw new OrchestratorException("--bind " + bind + " is not a loopback address: give --token-file FILE or set $"
                        + BearerToken.ENV + ", and every request then needs 'Authorization: Bearer <token>'");
            }
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "--bind '" + bind + "' is not an address");
        }
    }
}
