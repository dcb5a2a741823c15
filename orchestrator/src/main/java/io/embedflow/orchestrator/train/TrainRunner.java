package io.embedflow.orchestrator.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.embedflow.connectors.shard.DataSnapshot;
import io.embedflow.connectors.shard.DataSnapshots;
import io.embedflow.connectors.shard.FileFingerprints;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangLauncher;
import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.GangRestarts;
import io.embedflow.orchestrator.gang.GangStatus;
import io.embedflow.orchestrator.gang.LocalGangLauncher;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.refresh.DataSnapshotJson;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.ModelSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one fine-tuning and keeps its run record (kind {@code train}): resolves the base model, reads
 * and splits the pairs, measures the retrieval metric of the base on the held-out pairs, starts the
 * gang ({@link LocalGangLauncher} by default, or any {@link Launchers}), restarts the whole gang from its newest checkpoint
 * when a member fails (within the restart budget), and, when it finished, measures the trained model,
 * registers it as a new version with the alias {@code candidate}, and records the lineage (base
 * snapshot, training data snapshot, configuration, gang shape) and metrics (loss per step, retrieval
 * before and after, attempts). Checkpoints go to the object store that holds the snapshots
 * ({@link CheckpointStore}) and are removed once the model is registered; the plan, progress and
 * logs live in the run's directory under {@code <home>/train/<run id>/}.
 */
public final class TrainRunner {
    /** The alias a trained model gets. */
    public static final String CANDIDATE = "candidate";
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new SimpleModule("embedflow-duration")
            .addSerializer(Duration.class, ToStringSerializer.instance));

    private final MetadataStore metadata;
    private final ModelRegistry registry;
    private final Path home;
    private final String storeLocation;
    private final Launchers launchers;

    /**
     * Opens the launcher a run's gang runs on; the run closes it.
     *
     * <p>Workers get paths under the home (the plan, the base snapshot, the output, rank 0's progress):
     * a launcher that starts them elsewhere must give them the home at the same path.
     */
    @FunctionalInterface
    public interface Launchers {
        /** @param logDir the run's log directory (where local workers write theirs) */
        GangLauncher open(Path logDir, TrainRequest request);

        /** Workers as JVMs on this machine ({@link LocalGangLauncher}). */
        static Launchers local() {
            return (logDir, request) -> new LocalGangLauncher(logDir, TrainWorker.class.getName(), workerJvmOptions(),
                    gpus(request));
        }
    }

    /** @param storeLocation the object store of the snapshots, where checkpoints go too */
    public TrainRunner(MetadataStore metadata, ModelRegistry registry, Path home, String storeLocation) {
        this(metadata, registry, home, storeLocation, Launchers.local());
    }

    /** As the other constructor, with the gang on {@code launchers}' launcher (e.g. JobSets on Kubernetes). */
    public TrainRunner(MetadataStore metadata, ModelRegistry registry, Path home, String storeLocation, Launchers launchers) {
        this.metadata = metadata;
        this.registry = registry;
        this.home = home;
        this.storeLocation = storeLocation;
        this.launchers = launchers;
    }

    /** Follows a run: the steps as rank 0 reports them. */
    public interface Progress {
        Progress NONE = new Progress() {};

        default void planned(long steps) {}

        default void step(long step, double loss, int attempt) {}

        default void finished() {}
    }

    /**
     * @param candidate the registered model version
     * @param metrics what the run record keeps
     */
    public record Outcome(RunRecord run, ModelVersion candidate, Map<String, Object> metrics) {}

    public Outcome run(TrainRequest request, Progress progress) {
        ModelVersion base = registry.resolve(ModelRef.parse(request.base()));
        ModelSnapshot snapshot = registry.snapshot(base);
        String name = request.name() != null ? request.name() : base.name();
        Path pairsRoot = Path.of(request.pairs()).toAbsolutePath().normalize();
        PairSet pairs = PairSet.read(pairsRoot, request.queryColumn(), request.positiveColumn(), request.negativeColumn(),
                request.heldOutPercent());
        if (pairs.train().size() < request.globalBatch()) {
            throw new OrchestratorException("the pairs under " + pairsRoot + " leave " + pairs.train().size()
                    + " pairs to train on after the held-out part, fewer than one --batch of " + request.globalBatch());
        }
        DataSnapshot data = DataSnapshots.ofDirectory(pairsRoot, PartitionFilter.all(), new FileFingerprints())
                .orElseThrow(() -> new OrchestratorException("no Parquet files under " + pairsRoot));
        String runId = RunIds.newId();
        Path runDir = home.resolve("train").resolve(runId);
        RunRecord run = RunRecord.started(runId, "train", base.ref(), snapshot.id(), data.id(), pairsRoot.toString(),
                null, toJson(request), CodeVersion.current(), Instant.now());
        metadata.saveDataSnapshot(data.id(), pairsRoot.toString(), DataSnapshotJson.encode(data));
        metadata.insertRun(run.withLogLocation(runDir.resolve("logs").toString()));
        try {
            RetrievalMetrics before = evaluate(snapshot.directory(), pairs);
            TrainPlan plan = new TrainPlan(runId, snapshot.directory().toString(), pairsRoot.toString(), request.queryColumn(),
                    request.positiveColumn(), request.negativeColumn(), request.heldOutPercent(), request.steps(),
                    request.globalBatch(), request.devicesPerWorker(), request.device(), request.learningRate(),
                    request.temperature(), 0.01f, request.checkpointEvery(), storeLocation, runDir.resolve("checkpoints").toString(),
                    runDir.resolve("progress.jsonl").toString(), runDir.resolve("model").toString());
            Path planFile = runDir.resolve(TrainPlan.FILE);
            plan.write(planFile);
            Map<String, String> env = new TreeMap<>(request.workerEnv());
            env.put(TrainWorker.JOIN_TIMEOUT_ENV, Long.toString(Math.max(1, request.joinTimeout().toSeconds())));
            String id = runId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
            GangRequest gang = new GangRequest("train-" + id.substring(Math.max(0, id.length() - 24)), request.workers(),
                    request.device().equals("gpu") ? request.devicesPerWorker() : 0, request.memoryPerWorker(),
                    List.of(planFile.toString()), env, request.joinTimeout(), request.restartBudget());
            progress.planned(request.steps());
            GangRestarts.Outcome ended;
            try (GangLauncher launcher = launchers.open(runDir.resolve("logs"), request)) {
                ended = follow(launcher, gang, Path.of(plan.progress()), progress);
            }
            Map<Long, Double> losses = losses(Path.of(plan.progress()));
            if (ended.status().state() != GangStatus.State.SUCCEEDED) {
                throw new OrchestratorException("training gang failed after " + ended.attempts() + " attempt(s): "
                        + ended.status().reason());
            }
            RetrievalMetrics after = evaluate(Path.of(plan.output()), pairs);
            ModelVersion candidate = registry.importModel(Path.of(plan.output()), name);
            Map<String, Object> lineage = new LinkedHashMap<>();
            lineage.put("run", runId);
            lineage.put("base", base.ref());
            lineage.put("baseSnapshot", snapshot.id());
            lineage.put("data", data.id());
            lineage.put("gang", Map.of("workers", request.workers(), "devicesPerWorker", request.devicesPerWorker(),
                    "device", request.device()));
            registry.moveAlias(name, CANDIDATE, ModelRef.of(name, candidate.version()), null, "train",
                    "trained by run " + runId, toJson(lineage));
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("steps", request.steps());
            metrics.put("attempts", ended.attempts());
            metrics.put("restarts", restarts(ended));
            metrics.put("trainPairs", pairs.train().size());
            metrics.put("heldOutPairs", pairs.heldOut().size());
            metrics.put("firstLoss", losses.isEmpty() ? null : losses.values().iterator().next());
            metrics.put("lastLoss", losses.isEmpty() ? null : losses.get(request.steps()));
            metrics.put("loss", losses);
            metrics.put("before", before);
            metrics.put("after", after);
            metrics.put("lineage", lineage);
            metrics.put("candidate", candidate.ref());
            // the model is registered: its checkpoints have served their purpose
            new CheckpointStore(registry.store().objects(), runId).deleteAll();
            run = metadata.findRun(runId).orElse(run).finished(RunStatus.SUCCEEDED, pairs.train().size(), request.steps(), 0, 0,
                    Instant.now(), null).withOutputPath(candidate.ref());
            metadata.updateRun(run);
            metadata.saveRunMetrics(runId, toJson(metrics));
            return new Outcome(run, candidate, metrics);
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            metadata.updateRun(metadata.findRun(runId).orElse(run).failed(reason, Instant.now()));
            metadata.saveRunMetrics(runId, toJson(Map.of("loss", losses(runDir.resolve("progress.jsonl")))));
            throw e instanceof OrchestratorException o ? o : new OrchestratorException(reason, e);
        } finally {
            progress.finished();
        }
    }

    /** Why each restarted attempt failed: its number, the member that failed first and the launcher's reason. */
    private static List<Map<String, Object>> restarts(GangRestarts.Outcome ended) {
        List<Map<String, Object>> restarts = new ArrayList<>();
        for (int attempt = 0; attempt < ended.failures().size(); attempt++) {
            GangStatus failed = ended.failures().get(attempt);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("attempt", attempt);
            entry.put("rank", failed.failedRank());
            entry.put("reason", failed.reason());
            restarts.add(entry);
        }
        return restarts;
    }

    /** Runs the gang to its end on another thread while this one reports rank 0's progress. */
    private static GangRestarts.Outcome follow(GangLauncher launcher, GangRequest gang, Path progressFile, Progress progress) {
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "train-gang");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<GangRestarts.Outcome> outcome = runner.submit(
                    () -> GangRestarts.runToEnd(launcher, gang, Duration.ofMillis(200)));
            int seen = 0;
            while (true) {
                try {
                    GangRestarts.Outcome done = outcome.get(250, TimeUnit.MILLISECONDS);
                    report(progressFile, progress, seen);
                    return done;
                } catch (TimeoutException notYet) {
                    seen = report(progressFile, progress, seen);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runner.shutdownNow();   // GangRestarts stops the running attempt when interrupted
            throw new OrchestratorException("interrupted while the training gang ran", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof OrchestratorException o ? o : new OrchestratorException(String.valueOf(cause.getMessage()), cause);
        } finally {
            runner.shutdownNow();
        }
    }

    /** Reports the progress lines after the first {@code seen}; returns how many there are now. */
    private static int report(Path progressFile, Progress progress, int seen) {
        List<JsonNode> lines = progressLines(progressFile);
        for (int i = seen; i < lines.size(); i++) {
            JsonNode line = lines.get(i);
            if ("step".equals(line.path("event").asText())) {
                progress.step(line.get("step").asLong(), line.get("loss").asDouble(), line.get("attempt").asInt());
            }
        }
        return Math.max(seen, lines.size());
    }

    /** Loss per step; a step taken again after a restart keeps its latest value. */
    static Map<Long, Double> losses(Path progressFile) {
        Map<Long, Double> losses = new TreeMap<>();
        for (JsonNode line : progressLines(progressFile)) {
            if ("step".equals(line.path("event").asText())) {
                losses.put(line.get("step").asLong(), line.get("loss").asDouble());
            }
        }
        return losses;
    }

    private static List<JsonNode> progressLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    try {
                        out.add(JSON.readTree(line));
                    } catch (IOException partial) {
                        break;   // the line being written
                    }
                }
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot read training progress " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static RetrievalMetrics evaluate(Path modelDir, PairSet pairs) {
        try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(modelDir), DeviceRequest.CPU)) {
            return RetrievalMetrics.of(pairs.heldOut(), texts -> {
                float[][] out = new float[texts.size()][];
                for (int i = 0; i < out.length; i++) {
                    out[i] = embedder.embedText(texts.get(i));
                }
                return out;
            });
        }
    }

    /** The JVM settings workers need from this one: DJL's offline mode and cache, embedflow's settings. */
    private static List<String> workerJvmOptions() {
        List<String> options = new ArrayList<>();
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("ai.djl.") || key.startsWith("embedflow.") || key.equals("java.io.tmpdir")) {
                options.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        options.add("-XX:+ExitOnOutOfMemoryError");
        options.sort(null);
        return options;
    }

    private static List<Integer> gpus(TrainRequest request) {
        List<Integer> ids = new ArrayList<>();
        if (request.device().equals("gpu")) {
            for (int i = 0; i < request.workers() * request.devicesPerWorker(); i++) {
                ids.add(i);
            }
        }
        return ids;
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new OrchestratorException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }
}
