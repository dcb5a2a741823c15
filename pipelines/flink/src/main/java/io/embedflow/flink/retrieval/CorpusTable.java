package io.embedflow.flink.retrieval;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import io.embedflow.flink.refresh.RefreshJobException;
import java.io.Serializable;
import java.util.List;

/**
 * The embedding table a retrieval searches, pinned to one version when the job is planned: its data
 * files (relative to its location), the model snapshot that embedded them, id type and dimension.
 */
public record CorpusTable(String location, long version, List<TableFile> files, String modelSnapshotId, IdType idType,
        int dimension, long rows) implements Serializable {
    public CorpusTable {
        files = List.copyOf(files);
    }

    /**
     * The newest version of the table at {@code location}.
     *
     * @throws RefreshJobException naming the location when there is no table or it has no rows
     */
    public static CorpusTable newest(String location) {
        String normalized = ObjectStores.normalize(location);
        TableVersions.Version v;
        try (TableVersions versions = TableVersions.open(normalized, S3Settings.fromEnvironment())) {
            v = versions.latest().orElseThrow(() -> new RefreshJobException("corpus " + normalized
                    + " holds no embedding table"));
        } catch (ConnectorException e) {
            throw new RefreshJobException("cannot read the corpus table " + normalized + ": " + e.getMessage(), e);
        }
        TableManifest m = v.manifest();
        if (m.retrieval() != null) {
            throw new RefreshJobException(normalized + " holds predictions, not embeddings");
        }
        if (m.rowCount() == 0) {
            throw new RefreshJobException("corpus table " + normalized + " (version " + v.number() + ") has no rows");
        }
        return new CorpusTable(normalized, v.number(), m.files(), m.modelSnapshotId(), m.parsedIdType(), m.dimension(),
                m.rowCount());
    }
}
