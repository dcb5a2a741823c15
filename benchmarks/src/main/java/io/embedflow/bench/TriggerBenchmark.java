package io.embedflow.bench;

import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.metadata.StoredSpec;
import io.embedflow.orchestrator.queue.TenantPolicy;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.SnapshotStore;
import io.embedflow.orchestrator.schedule.DatasetProbe;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.serve.CapacitySource;
import io.embedflow.orchestrator.serve.RunLauncher;
import io.embedflow.orchestrator.serve.ServeConfig;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench triggers}: {@code serve}'s scheduling pass with {@code --specs} registered
 * refresh specs in a SQLite metadata store. Every spec watches its dataset for new data through a
 * fake {@link DatasetProbe} (snapshot ids in memory; {@code --data-change} percent of the datasets
 * change before each pass, so no file is hashed) and has a cron schedule: {@code --every-minute}
 * percent fire every minute, the others hourly at minutes spread over the hour. The model is an
 * alias, resolved per firing. Runs go to a launcher that records them and succeeds at once (no
 * Flink), on a capacity of {@code --capacity} slots shared by {@code --tenants} tenants.
 *
 * <p>Each pass moves the clock one minute on and times the daemon's pass (evaluate every spec, take
 * the firings into the queue, admit); the trigger-to-submit latency is from a firing's time to its
 * run's start in the launcher, for runs admitted in the pass their trigger fired in (a run that
 * waits for slots waits for capacity, not for the scheduler). {@code serve} evaluates once a tick,
 * so a due time waits up to one tick (default 5 s) more before its pass.
 */
@Command(name = "triggers", mixinStandardHelpOptions = true,
        description = "serve's scheduling pass (evaluate + enqueue + admit) over many refresh specs, and trigger-to-submit latency.")
public final class TriggerBenchmark implements Callable<Integer> {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:30Z");

    @Spec
    CommandSpec spec;

    @Option(names = "--specs", defaultValue = "10000", description = "Registered refresh specs (default: ${DEFAULT-VALUE}).")
    int specs;

    @Option(names = "--tenants", defaultValue = "20", description = "Tenants they belong to (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--capacity", defaultValue = "4096",
            description = "Cluster task slots, enough by default for every pass's runs, so that the scheduler is timed and not a wait for slots (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--passes", defaultValue = "5", description = "Passes timed, one simulated minute apart (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--every-minute", defaultValue = "10",
            description = "Percent of specs whose cron fires every minute; the rest fire hourly (default: ${DEFAULT-VALUE}).")
    int everyMinute;

    @Option(names = "--data-change", defaultValue = "5",
            description = "Percent of datasets that change before each pass (default: ${DEFAULT-VALUE}).")
    int dataChange;

    @Override
    public Integer call() throws Exception {
        if (specs < 1 || tenants < 1 || capacity < 1 || passes < 1 || everyMinute < 0 || everyMinute > 100 || dataChange < 0
                || dataChange > 100) {
            throw new ParameterException(spec.commandLine(), "need --specs, --tenants, --capacity, --passes >= 1 and percentages "
                    + "from 0 to 100");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("embedflow-bench-triggers-");
        OffsetClock clock = new OffsetClock(Duration.between(Instant.now(), T0));
        Map<String, String> data = new ConcurrentHashMap<>();
        DatasetProbe probe = (dataset, where) -> Optional.ofNullable(data.get(dataset));
        Random random = new Random(6);
        try (MetadataStore store = MetadataStore.openSqlite(work.resolve("metadata.db"), clock)) {
            store.insertModelVersion(new ModelVersion("minilm", 1, "a".repeat(64), T0, "/models/minilm"));
            store.moveAlias("minilm", "production", 1, null, "bench", null, null);
            long t0 = System.nanoTime();
            register(store, work, data);
            double registerSeconds = (System.nanoTime() - t0) / 1e9;

            Latencies latencies = new Latencies(clock);
            List<TenantPolicy> policies = new ArrayList<>();
            for (int t = 0; t < tenants; t++) {
                policies.add(TenantPolicy.of(tenant(t), 1 + t % 3));
            }
            ServeConfig config = ServeConfig.builder().optName("bench").optTenants(policies).optMaxRuns(capacity)
                    .optFiringsPerPass(specs).optLogFile(work.resolve("serve.log")).build();
            ModelRegistry registry = new ModelRegistry(new SnapshotStore(work.resolve("store")), store, clock);
            ServeDaemon daemon = ServeDaemon.create(config, store, registry, probe, new NoFlink(), latencies.launcher(store),
                    CapacitySource.fixed(capacity), clock);
            List<ServeDaemon.Pass> timed = new ArrayList<>();
            try {
                daemon.recover();
                daemon.pass();   // warm-up: the first look at the cron schedules after registration
                daemon.awaitIdle(Duration.ofMinutes(5));
                for (int p = 0; p < passes; p++) {
                    clock.advance(Duration.ofMinutes(1));
                    List<String> datasets = new ArrayList<>(data.keySet());
                    for (int i = 0; i < datasets.size() * dataChange / 100; i++) {
                        data.put(datasets.get(random.nextInt(datasets.size())), Long.toHexString(random.nextLong()));
                    }
                    latencies.newPass();
                    timed.add(daemon.pass());
                    daemon.awaitIdle(Duration.ofMinutes(5));
                }
            } finally {
                daemon.close();
            }

            out.printf("%-8s %9s %9s %9s %9s %11s %10s %10s %10s %10s%n", "pass", "firings", "queued", "folded", "admitted",
                    "evaluate ms", "enqueue ms", "admit ms", "pass ms", "t2s p50 ms");
            for (int p = 0; p < timed.size(); p++) {
                ServeDaemon.Pass pass = timed.get(p);
                out.printf("%-8d %9d %9d %9d %9d %11.0f %10.0f %10.0f %10.0f %10.1f%n", p + 1, pass.firings(), pass.queued(),
                        pass.folded(), pass.admitted(), ms(pass.evaluating()), ms(pass.taking()), ms(pass.admitting()),
                        ms(pass.took()), latencies.median(p + 1));
            }
            double[] passMs = timed.stream().mapToDouble(pass -> ms(pass.took())).toArray();
            double[] evaluateMs = timed.stream().mapToDouble(pass -> ms(pass.evaluating())).toArray();
            double firings = timed.stream().mapToInt(ServeDaemon.Pass::firings).average().orElse(0);
            double admitted = timed.stream().mapToInt(ServeDaemon.Pass::admitted).average().orElse(0);
            out.printf("registered %d specs in %.1f s; %d tenants, %d slots; cron: %d%% every minute, the rest hourly; "
                    + "%d%% of datasets change per pass (fake probe); store=%s%n", specs, registerSeconds, tenants, capacity,
                    everyMinute, dataChange, store.database());
            out.printf("trigger-to-submit over %d runs admitted in their firing's pass: p50 %.1f ms, p95 %.1f ms, max %.1f ms "
                    + "(+ up to one tick, default 5 s, between a due time and the pass that sees it)%n", latencies.count(),
                    latencies.percentile(50), latencies.percentile(95), latencies.percentile(100));
            out.printf("specs=%d tenants=%d capacity=%d passes=%d pass_ms=%.0f pass_max_ms=%.0f evaluate_ms=%.0f firings_per_pass=%.0f "
                    + "admitted_per_pass=%.0f trigger_to_submit_ms=%.1f trigger_to_submit_p95_ms=%.1f%n", specs, tenants,
                    capacity, passes, median(passMs), Arrays.stream(passMs).max().orElse(0), median(evaluateMs), firings,
                    admitted, latencies.percentile(50), latencies.percentile(95));
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    /** Inserts the specs and their trigger state as `schedule add` would, without its per-add chain check over all specs. */
    private void register(MetadataStore store, Path work, Map<String, String> data) {
        Random random = new Random(5);
        for (int i = 0; i < specs; i++) {
            String name = String.format("spec-%05d", i);
            String cron = i % 100 < everyMinute ? "* * * * *" : (i % 60) + " * * * *";
            String yaml = "name: " + name + "\ntenant: " + tenant(i % tenants) + "\ndataset: data/" + name + "\nidColumn: id\n"
                    + "textColumn: body\nmodel: minilm@production\noutput: tables/" + name + "\nparallelism: " + (1 + i % 2)
                    + "\ntriggers:\n  cron: \"" + cron + "\"\n  onNewData: true\n";
            RefreshSpec spec = RefreshSpecYaml.read(name + ".yaml", yaml, work);
            String snapshot = Long.toHexString(random.nextLong());
            data.put(spec.dataset(), snapshot);
            store.specs().insert(new StoredSpec(name, spec.tenant(), RefreshSpecYaml.write(spec), false, T0, T0),
                    SpecState.initial(name).withCronCheckedAt(T0).withData(snapshot, T0));
        }
    }

    private static String tenant(int i) {
        return String.format("team-%02d", i);
    }

    private static double ms(Duration d) {
        return d.toNanos() / 1e6;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Trigger-to-submit latencies of the runs started in the pass their firing was taken in. */
    private static final class Latencies {
        private final OffsetClock clock;
        private final Map<Integer, List<Double>> byPass = new ConcurrentHashMap<>();
        private volatile int pass;
        private volatile Instant passStart = Instant.MIN;

        Latencies(OffsetClock clock) {
            this.clock = clock;
        }

        void newPass() {
            pass++;
            passStart = clock.instant();
        }

        /** Records each run's latency at its start, then records the run as the runner would and succeeds. */
        RunLauncher launcher(MetadataStore store) {
            return launch -> {
                Instant now = clock.instant();
                if (!launch.payload().firedAt().isBefore(passStart)) {
                    byPass.computeIfAbsent(pass, p -> java.util.Collections.synchronizedList(new ArrayList<>()))
                            .add(Duration.between(launch.payload().firedAt(), now).toNanos() / 1e6);
                }
                RunRecord run = RunRecord.started(launch.runId(), "refresh", launch.payload().model(),
                        launch.payload().modelSnapshotId(), launch.payload().dataSnapshotId(), "/data", "/table", "{}", "bench", now)
                        .withOrigin(launch.origin());
                store.insertRun(run);
                RunRecord done = run.finished(RunStatus.SUCCEEDED, 1, 1, 0, 0, clock.instant(), null);
                store.updateRun(done);
                return done;
            };
        }

        double median(int p) {
            double[] v = values(byPass.getOrDefault(p, List.of()));
            return v.length == 0 ? Double.NaN : TriggerBenchmark.median(v);
        }

        int count() {
            return byPass.values().stream().mapToInt(List::size).sum();
        }

        double percentile(int pct) {
            double[] all = values(byPass.values().stream().flatMap(List::stream).toList());
            if (all.length == 0) {
                return Double.NaN;
            }
            Arrays.sort(all);
            int index = Math.max(0, (int) Math.ceil(pct / 100.0 * all.length) - 1);
            return all[Math.min(all.length - 1, index)];
        }

        private static double[] values(List<Double> list) {
            synchronized (list) {
                return list.stream().mapToDouble(Double::doubleValue).toArray();
            }
        }
    }

    /** The system clock shifted by an offset the benchmark moves on, so simulated minutes pass while real time is measured. */
    private static final class OffsetClock extends Clock {
        private volatile Duration offset;

        OffsetClock(Duration offset) {
            this.offset = offset;
        }

        void advance(Duration step) {
            offset = offset.plus(step);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** No cluster: runs never reach Flink here, so there is no job to find or cancel. */
    private static final class NoFlink implements FlinkTarget {
        @Override
        public URI restAddress() {
            return URI.create("http://no-flink:8081");
        }

        @Override
        public Configuration clientConfiguration() {
            return new Configuration();
        }

        @Override
        public Optional<FlinkJob> findJob(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<FlinkJob> job(String jobId) {
            return Optional.empty();
        }

        @Override
        public boolean cancel(String jobId) {
            return false;
        }

        @Override
        public Optional<String> failure(String jobId) {
            return Optional.empty();
        }

        @Override
        public OptionalInt totalSlots() {
            return OptionalInt.of(Integer.MAX_VALUE);
        }

        @Override
        public void close() {
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
