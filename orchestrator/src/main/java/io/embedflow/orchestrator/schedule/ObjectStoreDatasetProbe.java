package io.embedflow.orchestrator.schedule;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DataFile;
import io.embedflow.connectors.shard.DataSnapshot;
import io.embedflow.connectors.shard.DataSnapshots;
import io.embedflow.connectors.shard.FileFingerprints;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStoreException;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.orchestrator.OrchestratorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link DatasetProbe} for local directories and S3 prefixes: on S3 one listing through {@link
 * DataSnapshots#ofObjects} (ETags, no data read); on local disk a walk through {@link
 * DataSnapshots#ofDirectory} and a SHA-256 of each Parquet file that is new or changed (size,
 * modification time or inode) since this probe last saw it, so repeated probes read only what changed. The {@code where}
 * filter is applied to the listing, so the id is the one {@code ShardPlanner} gives a refresh of
 * the same partitions. A local directory that does not exist has no files (it is not created).
 */
public final class ObjectStoreDatasetProbe implements DatasetProbe {

    private final S3Settings s3;
    /** SHA-256 of local files already read, so a probe repeated every few seconds reads only what changed. */
    private final FileFingerprints fingerprints = new FileFingerprints();

    public ObjectStoreDatasetProbe(S3Settings s3) {
        this.s3 = Objects.requireNonNull(s3, "s3");
    }

    @Override
    public Optional<String> snapshotId(String dataset, PartitionFilter where) {
        if (!ObjectStores.isS3(dataset)) {
            Path root = Path.of(dataset);
            if (!Files.isDirectory(root)) {
                return Optional.empty();
            }
            try {
                // walked in place: opening a local object store here would create its .tmp/ in the input
                return DataSnapshots.ofDirectory(root, where, fingerprints).map(DataSnapshot::id);
            } catch (ConnectorException e) {
                throw new OrchestratorException("cannot take the data snapshot of dataset " + dataset + ": "
                        + e.getMessage(), e);
            }
        }
        try (ObjectStore store = ObjectStores.open(dataset, s3)) {
            DataSnapshot all;
            try {
                all = DataSnapshots.ofObjects(store, "");
            } catch (ObjectStoreException e) {
                throw e;
            } catch (ConnectorException e) {
                if (hasNoParquet(store)) {
                    return Optional.empty();
                }
                throw e;
            }
            List<DataFile> kept = all.files().stream()
                    .filter(f -> where.matches(PartitionFilter.valuesOf(f.relativePath())))
                    .toList();
            return kept.isEmpty() ? Optional.empty() : Optional.of(DataSnapshot.of(kept).id());
        } catch (ConnectorException e) {
            throw new OrchestratorException("cannot take the data snapshot of dataset " + dataset + ": " + e.getMessage(), e);
        }
    }

    /** Whether the store holds no visible Parquet object: the one failure of {@code ofObjects} that means "no data". */
    private static boolean hasNoParquet(ObjectStore store) {
        return store.list("").stream().noneMatch(o -> o.key().endsWith(".parquet") && !isHidden(o.key()));
    }

    /** {@code DataSnapshots}' rule: a segment starting with '_' or '.' hides what is below it. */
    private static boolean isHidden(String key) {
        for (String segment : key.split("/")) {
            if (segment.startsWith("_") || segment.startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
