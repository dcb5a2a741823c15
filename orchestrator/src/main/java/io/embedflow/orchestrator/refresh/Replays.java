package io.embedflow.orchestrator.refresh;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.shard.DataFile;
import io.embedflow.connectors.shard.DataSnapshot;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.metadata.StoredDataSnapshot;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.registry.ModelSnapshot;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.SnapshotStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Prepares the replay of a finished or failed refresh with exactly its ingredients: the same
 * model snapshot, the same data snapshot (every file with its hash), the same configuration and
 * the same code version. If any of them changed or is gone, the replay is refused, naming what.
 */
public final class Replays {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Job options that describe the run itself rather than how to compute it. */
    private static final Set<String> PER_RUN = Set.of(RefreshOptions.INPUT.key(), RefreshOptions.OUTPUT.key(),
            RefreshOptions.RUN_ID.key(), RefreshOptions.MODEL_DIR.key(), RefreshOptions.MODEL_STORE.key(),
            RefreshOptions.MODEL_CACHE.key(), RefreshOptions.MODEL_SNAPSHOT_ID.key(),
            RefreshOptions.MODEL_REF.key(), RefreshOptions.ID_COLUMN.key(), RefreshOptions.TEXT_COLUMN.key(),
            RefreshOptions.PARALLELISM.key(), RefreshOptions.DEVICE.key(), RefreshOptions.ALLOW_DUPLICATE_IDS.key());

    private final MetadataStore metadata;
    private final ModelRegistry registry;
    private final SnapshotStore snapshots;

    public Replays(MetadataStore metadata, ModelRegistry registry, SnapshotStore snapshots) {
        this.metadata = metadata;
        this.registry = registry;
        this.snapshots = snapshots;
    }

    /** A replay ready to run. */
    public record Prepared(RunRecord original, RefreshRequest request, ModelVersion version, ModelSnapshot snapshot) {}

    /**
     * @param output where the replay's table goes (a directory or {@code s3://bucket/prefix/}); null for
     *     {@code <original output>-replay-<run id>}, beside the original whether local or on S3
     */
    public Prepared prepare(String runId, String output, String codeVersion) {
        RunRecord run = metadata.findRun(runId).orElseThrow(() -> new OrchestratorException("run '" + runId + "' not found"));
        if (!"refresh".equals(run.kind())) {
            throw new OrchestratorException("run " + run.id() + " is a " + run.kind() + " run; only refresh runs can be replayed");
        }
        if (run.status() == RunStatus.RUNNING) {
            throw new OrchestratorException("run " + run.id() + " is still running; replay it once it has finished");
        }
        if (run.dataSnapshotId() == null) {
            throw new OrchestratorException("run " + run.id() + " failed before it read its data, so there is nothing "
                    + "to replay exactly (its error: " + run.error() + ")");
        }
        List<String> changed = new ArrayList<>();
        if (!codeVersion.equals(run.codeVersion())) {
            changed.add("code version is " + codeVersion + ", the run used " + run.codeVersion());
        }
        Map<String, String> config = config(run);
        ModelVersion version = metadata.findModelVersion(ModelRef.parse(run.modelRef()).name(),
                ModelRef.parse(run.modelRef()).version()).orElse(null);
        if (!snapshots.contains(run.modelSnapshotId())) {
            changed.add("model snapshot " + run.modelSnapshotId() + " is gone from " + snapshots.describe());
        } else if (version == null || !version.snapshotId().equals(run.modelSnapshotId())) {
            changed.add("model version " + run.modelRef() + " no longer names snapshot " + run.modelSnapshotId());
        }
        String input = run.inputPath();
        if (!ObjectStores.isS3(input) && !Files.isDirectory(Path.of(input))) {
            changed.add("input " + input + " is gone");
        } else {
            String where = config.getOrDefault(RefreshOptions.WHERE.key(), "");
            DataSnapshot now = ShardPlanner.plan(input, config.get(RefreshOptions.ID_COLUMN.key()),
                    config.get(RefreshOptions.TEXT_COLUMN.key()),
                    PartitionFilter.parse(where.isEmpty() ? List.of() : List.of(where.split(";"))),
                    S3Settings.fromEnvironment()).snapshot();
            if (!now.id().equals(run.dataSnapshotId())) {
                changed.add("the data changed: " + describeChange(run.dataSnapshotId(), now));
            }
        }
        if (!changed.isEmpty()) {
            throw new OrchestratorException("refusing to replay run " + run.id() + ": " + String.join("; ", changed));
        }
        ModelSnapshot snapshot = snapshots.verify(run.modelSnapshotId());
        Map<String, String> jobOptions = new HashMap<>();
        config.forEach((k, v) -> {
            if (!PER_RUN.contains(k)) {
                jobOptions.put(k, v);
            }
        });
        String original = run.outputPath().endsWith("/") ? run.outputPath().substring(0, run.outputPath().length() - 1)
                : run.outputPath();
        String target = output != null ? output : original + "-replay-" + run.id();
        RefreshRequest request = new RefreshRequest(version.ref(), input,
                config.get(RefreshOptions.ID_COLUMN.key()), config.get(RefreshOptions.TEXT_COLUMN.key()), target,
                Integer.parseInt(config.getOrDefault(RefreshOptions.PARALLELISM.key(), "1")),
                config.getOrDefault(RefreshOptions.DEVICE.key(), "cpu"),
                Boolean.parseBoolean(config.getOrDefault(RefreshOptions.ALLOW_DUPLICATE_IDS.key(), "false")),
                jobOptions, true, run.id());
        return new Prepared(run, request, version, snapshot);
    }

    private String describeChange(String recordedId, DataSnapshot now) {
        StoredDataSnapshot stored = metadata.findDataSnapshot(recordedId).orElse(null);
        if (stored == null) {
            return "snapshot " + now.id() + " differs from the run's " + recordedId;
        }
        Map<String, DataFile> before = new TreeMap<>();
        DataSnapshotJson.decode(stored.filesJson()).forEach(f -> before.put(f.relativePath(), f));
        Map<String, DataFile> after = new TreeMap<>();
        now.files().forEach(f -> after.put(f.relativePath(), f));
        Set<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        List<String> diffs = new ArrayList<>();
        for (String name : names) {
            DataFile b = before.get(name);
            DataFile a = after.get(name);
            if (b == null) {
                diffs.add(name + " was added");
            } else if (a == null) {
                diffs.add(name + " was removed");
            } else if (!a.equals(b)) {
                diffs.add(name + " was modified");
            }
        }
        return diffs.isEmpty() ? "snapshot " + now.id() + " differs from " + recordedId : String.join(", ", diffs);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> config(RunRecord run) {
        try {
            return JSON.readValue(run.configJson(), Map.class);
        } catch (IOException e) {
            throw new OrchestratorException("run " + run.id() + " has an unreadable configuration: " + e.getMessage(), e);
        }
    }
}
