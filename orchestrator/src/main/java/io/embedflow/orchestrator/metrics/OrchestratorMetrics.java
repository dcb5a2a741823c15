package io.embedflow.orchestrator.metrics;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.serve.ServeListener;
import io.embedflow.orchestrator.serve.ServeStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The orchestrator's metrics in Prometheus text format (what {@code GET /metrics} of {@code embedflow
 * serve} answers): the run queue per tenant, runs by kind and status from the metadata store, and,
 * as a {@link ServeListener} of the daemon, runs started and ended, trigger-to-submit latency and
 * pass duration. docs/metrics.md lists every series.
 *
 * <p>The queue and run gauges are read when scraped (one status read and one grouped query per
 * scrape); counters and histograms count from this object's creation. Thread-safe: scrapes are
 * serialized, the listener methods may be called from any thread.
 *
 * <pre>{@code
 * OrchestratorMetrics metrics = new OrchestratorMetrics(metadata);
 * ServeDaemon daemon = ServeDaemon.create(config, metadata, registry, probe, flink, launcher, capacity, clock, metrics);
 * metrics.watch(daemon::status);
 * OrchestratorMetrics.Exposition e = metrics.scrape();   // e.contentType(), e.text()
 * }</pre>
 */
public final class OrchestratorMetrics implements ServeListener {

    /** The content type of {@link Exposition#text()}: Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** Upper bounds of the trigger-to-submit buckets: a pass's own latency up to waits in a full queue. */
    static final double[] TRIGGER_TO_SUBMIT_BOUNDS = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600};
    /** Upper bounds of the pass-duration buckets. */
    static final double[] PASS_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    /** A scrape: the text and its content type, to answer an HTTP request with. */
    public record Exposition(String contentType, String text) {
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final MetadataStore metadata;
    private final Counter runsStarted;
    private final Counter runsFinished;
    private final Counter firings;
    private final Histogram triggerToSubmit;
    private final Histogram passDuration;
    private volatile Supplier<ServeStatus> daemonStatus;
    /** Read at the start of a scrape for the gauges' callbacks, which run inside it on the same thread. */
    private ServeStatus status;
    private List<MetadataStore.RunCount> runCounts;

    /** Metrics over {@code metadata}'s runs; the queue's are added by {@link #watch}. */
    public OrchestratorMetrics(MetadataStore metadata) {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        gauge("embedflow_runs", "Runs in the metadata store by kind and status.", this::runs, "kind", "status");
        gauge("embedflow_queue_requests", "Run requests in the queue by tenant and state (queued: waiting, backing off included; "
                + "admitted: holding slots, by any daemon).", this::queueRequests, "tenant", "state");
        gauge("embedflow_queue_backing_off_requests", "Queued run requests waiting out a retry backoff, by tenant.",
                cb -> eachTenant((name, t) -> cb.call(t.backingOff(), name)), "tenant");
        gauge("embedflow_queue_admitted_slots", "Task slots held by admitted run requests, by tenant.",
                cb -> eachTenant((name, t) -> cb.call(t.admittedSlots(), name)), "tenant");
        gauge("embedflow_serve_capacity_slots", "Task slots the daemon admits against (absent until first read).", cb -> {
            if (status != null && status.capacitySlots() != null) {
                cb.call(status.capacitySlots());
            }
        });
        gauge("embedflow_serve_leader", "1 while this daemon leads (schedules), 0 while it follows another replica.", cb -> {
            if (status != null) {
                cb.call(status.leader() ? 1 : 0);
            }
        });
        gauge("embedflow_serve_active_runs", "Runs this daemon follows now.", cb -> {
            if (status != null) {
                cb.call(status.running().size());
            }
        });
        runsStarted = Counter.builder().name("embedflow_serve_runs_started")
                .help("Runs this daemon started, by tenant.").labelNames("tenant").register(registry);
        runsFinished = Counter.builder().name("embedflow_serve_runs_finished")
                .help("Runs this daemon followed to their end (a retry is a new run), by tenant and status.")
                .labelNames("tenant", "status").register(registry);
        firings = Counter.builder().name("embedflow_serve_trigger_firings")
                .help("Trigger firings seen by this daemon's trigger evaluation.").register(registry);
        triggerToSubmit = Histogram.builder().name("embedflow_serve_trigger_to_submit_seconds").unit(Unit.SECONDS)
                .help("From a trigger's firing to the start of its run (queueing, backoff and admission included), by tenant.")
                .labelNames("tenant").classicOnly().classicUpperBounds(TRIGGER_TO_SUBMIT_BOUNDS).register(registry);
        passDuration = Histogram.builder().name("embedflow_serve_pass_duration_seconds").unit(Unit.SECONDS)
                .help("How long one pass of the daemon took (trigger evaluation, intake, admission).")
                .classicOnly().classicUpperBounds(PASS_BOUNDS).register(registry);
    }

    /** Adds the queue gauges, read from {@code daemonStatus} (typically {@code daemon::status}) at each scrape. */
    public void watch(Supplier<ServeStatus> daemonStatus) {
        this.daemonStatus = Objects.requireNonNull(daemonStatus, "daemonStatus");
    }

    /** Every series now, in Prometheus text format. */
    public synchronized Exposition scrape() {
        Supplier<ServeStatus> source = daemonStatus;
        status = source == null ? null : source.get();
        runCounts = metadata.countRuns();
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new OrchestratorException("could not write the metrics: " + e.getMessage(), e);
        } finally {
            status = null;
            runCounts = null;
        }
        return new Exposition(CONTENT_TYPE, out.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void runStarted(String tenant, String spec, Duration sinceFiring) {
        runsStarted.labelValues(tenant).inc();
        // a firing stamped later than the start (clocks of two hosts) counts as no wait
        triggerToSubmit.labelValues(tenant).observe(Math.max(0, sinceFiring.toNanos()) / 1e9);
    }

    @Override
    public void runEnded(String tenant, String spec, boolean succeeded) {
        runsFinished.labelValues(tenant, label(succeeded ? RunStatus.SUCCEEDED : RunStatus.FAILED)).inc();
    }

    @Override
    public void passEnded(ServeDaemon.Pass pass) {
        passDuration.observe(pass.took().toNanos() / 1e9);
        firings.inc(pass.firings());
    }

    private void runs(GaugeWithCallback.Callback cb) {
        if (runCounts != null) {
            for (MetadataStore.RunCount c : runCounts) {
                cb.call(c.runs(), c.kind(), label(c.status()));
            }
        }
    }

    private void queueRequests(GaugeWithCallback.Callback cb) {
        eachTenant((name, t) -> {
            cb.call(t.queued(), name, "queued");
            cb.call(t.admitted(), name, "admitted");
        });
    }

    private void eachTenant(BiConsumer<String, ServeStatus.Tenant> action) {
        if (status != null) {
            status.tenants().forEach(action);
        }
    }

    private void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> callback, String... labels) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(labels).callback(callback).register(registry);
    }

    private static String label(RunStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }
}
