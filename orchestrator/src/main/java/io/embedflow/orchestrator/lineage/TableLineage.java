package io.embedflow.orchestrator.lineage;

import io.embedflow.connectors.shard.DataFile;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.refresh.DataSnapshotJson;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where an embedding table came from, read back from its manifest and the metadata store: the
 * model snapshot with the versions and aliases that point at it, the data snapshot with its files,
 * and the run that wrote it. What {@code embedflow lineage TABLE} prints and the web UI shows.
 *
 * @param table the table's location, normalized
 * @param run the run that wrote it; empty when the metadata store has no record of {@code runId}
 *     (a job submitted outside the orchestrator)
 */
public record TableLineage(String table, long rows, long rejected, int dimension, Instant createdAt, Model model, Data data,
        String runId, Optional<RunRecord> run) {

    /**
     * @param recordedAs the model as the run named it, e.g. {@code tiny@prod}
     * @param versions the versions pointing at the snapshot
     * @param aliases the aliases pointing at those versions
     * @param inStore whether the snapshot is still in the snapshot store (not collected)
     */
    public record Model(String snapshotId, String recordedAs, List<ModelVersion> versions, List<Alias> aliases, boolean inStore) {
    }

    /**
     * @param root the directory or URI the files are relative to; empty when the snapshot is not recorded
     * @param files the files read, with sizes and checksums; empty when the snapshot is not recorded
     */
    public record Data(String snapshotId, Optional<String> root, List<DataFile> files) {
    }

    /** The lineage of the table at {@code location} (a directory or {@code s3://} prefix), whose manifest must be readable. */
    public static TableLineage of(EmbedflowHome home, String location) {
        String table = ObjectStores.normalize(location);
        TableManifest manifest = TableManifest.read(table);
        List<ModelVersion> versions = home.registry().list().stream()
                .filter(v -> v.snapshotId().equals(manifest.modelSnapshotId())).toList();
        List<Alias> aliases = versions.stream().flatMap(v -> home.registry().aliasesOf(v).stream()).toList();
        Model model = new Model(manifest.modelSnapshotId(), manifest.modelRef(), versions, aliases,
                home.snapshots().contains(manifest.modelSnapshotId()));
        Data data = home.metadata().findDataSnapshot(manifest.dataSnapshotId())
                .map(d -> new Data(d.id(), Optional.of(d.root()), DataSnapshotJson.decode(d.filesJson())))
                .orElseGet(() -> new Data(manifest.dataSnapshotId(), Optional.empty(), List.of()));
        return new TableLineage(table, manifest.rowCount(), manifest.rejectedCount(), manifest.dimension(), manifest.createdAt(),
                model, data, manifest.runId(), home.metadata().findRun(manifest.runId()));
    }
}
