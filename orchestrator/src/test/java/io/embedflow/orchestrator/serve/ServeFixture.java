package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.metadata.ManualClock;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.SnapshotStore;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.schedule.Schedule;
import io.embedflow.orchestrator.schedule.TriggerEvaluator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A serve daemon on a SQLite store in a test's directory, with a manual clock, a fake cluster and a
 * fake launcher; one model {@code m} (version 1) is registered, and every dataset has the data
 * snapshot {@link #data} says. Closing it closes the daemon, its {@link #replica replicas} and the store.
 */
final class ServeFixture implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

    final Path root;
    final ManualClock clock = new ManualClock(T0);
    final FakeFlink flink = new FakeFlink();
    final Map<String, String> data = new ConcurrentHashMap<>();
    MetadataStore metadata;
    ModelRegistry registry;
    Schedule schedule;
    TriggerEvaluator triggers;
    FakeLauncher launcher;
    ServeDaemon daemon;
    private final UnaryOperator<ServeConfig.Builder> settings;
    private final int slots;
    private final ServeListener listener;
    private final Leadership leadership;
    private final List<ServeDaemon> replicas = new ArrayList<>();

    ServeFixture(Path root, int slots, UnaryOperator<ServeConfig.Builder> settings) {
        this(root, slots, settings, store -> ServeListener.NONE);
    }

    /** With the daemon's listener made from the fixture's store (once; a {@link #restart} keeps it). */
    ServeFixture(Path root, int slots, UnaryOperator<ServeConfig.Builder> settings,
            Function<MetadataStore, ? extends ServeListener> listener) {
        this(root, slots, settings, listener, Leadership.always());
    }

    /** With a daemon that schedules only while {@code leadership} leads; the caller closes it. */
    ServeFixture(Path root, int slots, UnaryOperator<ServeConfig.Builder> settings, Leadership leadership) {
        this(root, slots, settings, store -> ServeListener.NONE, leadership);
    }

    private ServeFixture(Path root, int slots, UnaryOperator<ServeConfig.Builder> settings,
            Function<MetadataStore, ? extends ServeListener> listener, Leadership leadership) {
        this.root = root;
        this.slots = slots;
        this.settings = settings;
        this.leadership = leadership;
        metadata = MetadataStore.openSqlite(root.resolve("embedflow.db"), clock);
        this.listener = listener.apply(metadata);
        metadata.insertModelVersion(new ModelVersion("m", 1, "a".repeat(64), T0, "/models/m"));
        open();
    }

    private void open() {
        registry = new ModelRegistry(new SnapshotStore(root.resolve("store")), metadata, clock);
        schedule = new Schedule(metadata, clock);
        triggers = new TriggerEvaluator(metadata, (dataset, where) -> Optional.ofNullable(data.get(dataset)), clock);
        launcher = new FakeLauncher(metadata, flink, clock);
        daemon = ServeDaemon.create(config("test"), metadata, registry, (dataset, where) -> Optional.ofNullable(data.get(dataset)),
                flink, launcher, CapacitySource.fixed(slots), clock, listener, leadership);
        daemon.recover();
    }

    private ServeConfig config(String name) {
        return settings.apply(ServeConfig.builder().optName(name).optTick(Duration.ofSeconds(5))
                .optShutdownGrace(Duration.ofSeconds(10)).optFollowInterval(Duration.ofMillis(20))
                .optLogFile(root.resolve("serve.log"))).build();
    }

    /**
     * Another daemon named {@code name} on the same store, cluster and launcher, as a second replica
     * of one deployment is; the caller closes {@code leadership}.
     */
    ServeDaemon replica(String name, Leadership leadership, ServeListener listener) {
        ServeDaemon replica = ServeDaemon.create(config(name), metadata, registry,
                (dataset, where) -> Optional.ofNullable(data.get(dataset)), flink, launcher, CapacitySource.fixed(slots), clock,
                listener, leadership);
        replicas.add(replica);
        replica.recover();
        return replica;
    }

    /** Kills the daemon: its runs write nothing more, and nothing is handed back. */
    void crash() {
        launcher.vanish();
        daemon = null;
    }

    /** Starts a daemon of the same name on the same store, as a restarted process does. */
    void restart() {
        open();
    }

    /** Registers spec {@code name} of {@code tenant} with extra YAML lines (e.g. triggers). */
    void add(String name, String tenant, String extra) {
        String yaml = "name: " + name + "\ntenant: " + tenant + "\ndataset: data/" + name + "\nidColumn: id\ntextColumn: body\n"
                + "model: m\noutput: tables/" + name + "\n" + extra;
        schedule.add(RefreshSpecYaml.read(name + ".yaml", yaml, root), false);
        data.put(root.resolve("data/" + name).toString(), "d".repeat(63) + "1");
    }

    /** A pass, then waits for the runs it started to end unless they are held. */
    ServeDaemon.Pass pass() {
        return daemon.pass();
    }

    void awaitIdle() throws InterruptedException {
        if (!daemon.awaitIdle(Duration.ofSeconds(30))) {
            throw new AssertionError("runs still going after 30 s: " + daemon.status().running());
        }
    }

    RunQueue queue() {
        return metadata.runQueue(io.embedflow.orchestrator.queue.FairShare.equal(slots), Duration.ofMinutes(1));
    }

    List<QueuedRun> requests(QueueState state) {
        return queue().list(state);
    }

    List<RunRecord> runsOf(String spec) {
        return metadata.runsOfSpec(spec, 100);
    }

    @Override
    public void close() {
        replicas.forEach(ServeDaemon::close);
        if (daemon != null) {
            daemon.close();
        }
        metadata.close();
    }
}
