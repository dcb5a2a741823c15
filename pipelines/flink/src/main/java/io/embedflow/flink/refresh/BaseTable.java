package io.embedflow.flink.refresh;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * The version of a versioned table an incremental refresh starts from: its data files (paths relative
 * to the table location) are read for their ids and content hashes, and the rows whose
 * {@code (id, content_hash)} the input still has are kept instead of embedded again.
 *
 * @param location the versioned table (normalized)
 * @param version the version's number
 * @param files the version's data files, relative to {@code location}
 * @param dimension the length of its vectors
 */
public record BaseTable(String location, long version, List<TableFile> files, int dimension) implements Serializable {
    public BaseTable {
        files = List.copyOf(files);
    }

    /**
     * The base named by {@code --base.table} and {@code --base.version}, or null when neither is set.
     *
     * @throws RefreshJobException when only one is set, the version does not exist, or it was embedded with
     *     another model snapshot or id type than this run uses (its rows could not be kept)
     */
    static BaseTable fromConfiguration(Configuration conf, String modelSnapshotId, IdType idType) {
        String table = conf.get(RefreshOptions.BASE_TABLE);
        Long version = conf.get(RefreshOptions.BASE_VERSION);
        if (table == null && version == null) {
            return null;
        }
        if (table == null || table.isBlank() || version == null) {
            throw new RefreshJobException("an incremental refresh needs both --base.table and --base.version");
        }
        String location = ObjectStores.normalize(table);
        TableManifest manifest;
        try (TableVersions versions = TableVersions.open(location, S3Settings.fromEnvironment())) {
            manifest = versions.read(version).manifest();
        } catch (ConnectorException e) {
            throw new RefreshJobException("cannot read the base of an incremental refresh: " + e.getMessage(), e);
        }
        if (!manifest.modelSnapshotId().equals(modelSnapshotId)) {
            throw new RefreshJobException("version " + version + " of table " + location + " was embedded with model snapshot "
                    + manifest.modelSnapshotId() + ", this run uses " + modelSnapshotId
                    + "; only rows of the same model snapshot can be kept (embed everything into a new version instead)");
        }
        if (!manifest.idType().equals(idType.name())) {
            throw new RefreshJobException("version " + version + " of table " + location + " has ids of type "
                    + manifest.idType() + ", the input's are " + idType + "; embed everything into a new version instead");
        }
        if (manifest.carried() != null) {
            throw new RefreshJobException(location + " version " + version + " is a run's own table, not a version");
        }
        return new BaseTable(location, version, manifest.files(), manifest.dimension());
    }
}
