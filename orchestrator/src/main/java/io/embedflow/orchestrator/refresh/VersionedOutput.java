package io.embedflow.orchestrator.refresh;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import java.util.List;

/**
 * A refresh that adds a version to a table location instead of creating a table there (see
 * {@link TableVersions}): the job writes the run's own table under {@code runs/<runId>/}, and after it
 * succeeded the run's manifest, with its paths made relative to the table location, is committed as the
 * version one past the newest the run started from. A full refresh lists only its own files; readers of
 * the location see the old version until the commit and the new one after it.
 *
 * @param table the table location (normalized)
 * @param baseVersion the newest version when the run started (0 when there is none)
 */
record VersionedOutput(String table, long baseVersion) {

    /** The location's newest version now, for a run about to start. */
    static VersionedOutput at(String table) {
        try (TableVersions versions = TableVersions.open(table, S3Settings.fromEnvironment())) {
            return new VersionedOutput(table, versions.latest().map(TableVersions.Version::number).orElse(0L));
        }
    }

    /** Where the job writes the run's own table. */
    String runLocation(String runId) {
        return (table.endsWith("/") ? table : table + "/") + TableVersions.runDirectory(runId);
    }

    /**
     * Commits the run's table, read from {@link #runLocation}, as version {@code baseVersion + 1}.
     *
     * @throws io.embedflow.connectors.table.ConcurrentTableUpdateException when another run committed
     *     that version first; the run's own table stays where it was written, in no version
     */
    TableManifest commit(String runId) {
        TableManifest run = TableManifest.read(runLocation(runId));
        String prefix = TableVersions.runDirectory(runId);
        TableManifest version = new TableManifest(run.format(), run.runId(), run.modelSnapshotId(), run.modelRef(),
                run.dataSnapshotId(), run.idType(), run.dimension(), run.rowCount(), run.rejectedCount(),
                run.truncatedCount(), run.createdAt(), prefixed(prefix, run.files()), prefixed(prefix, run.rejectedFiles()));
        try (TableVersions versions = TableVersions.open(table, S3Settings.fromEnvironment())) {
            return versions.commit(baseVersion + 1, version).manifest();
        }
    }

    private static List<TableFile> prefixed(String prefix, List<TableFile> files) {
        return files.stream().map(f -> new TableFile(prefix + f.path(), f.rows(), f.sizeBytes())).toList();
    }
}
