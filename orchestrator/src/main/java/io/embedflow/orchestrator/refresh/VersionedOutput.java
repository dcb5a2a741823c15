package io.embedflow.orchestrator.refresh;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import java.util.ArrayList;
import java.util.List;

/**
 * A refresh that adds a version to a table location instead of creating a table there (see
 * {@link TableVersions}): the job writes the run's own table under {@code runs/<runId>/}, and after it
 * succeeded the run's manifest, with its paths made relative to the table location, is committed as the
 * version one past the newest the run started from. A full refresh lists only its own files; an
 * incremental one lists its own files and the base version's files it kept as they were. Readers of the
 * location see the old version until the commit and the new one after it.
 *
 * @param table the table location (normalized)
 * @param baseVersion the newest version when the run started (0 when there is none)
 * @param base that version's manifest, or null when there is none
 */
record VersionedOutput(String table, long baseVersion, TableManifest base) {

    /** The location's newest version now, for a run about to start. */
    static VersionedOutput at(String table) {
        try (TableVersions versions = TableVersions.open(table, S3Settings.fromEnvironment())) {
            return versions.latest()
                    .map(v -> new VersionedOutput(table, v.number(), v.manifest()))
                    .orElse(new VersionedOutput(table, 0, null));
        }
    }

    /**
     * Whether a run with model snapshot {@code modelSnapshotId} can keep the unchanged rows of the base
     * version: there is one, and the same snapshot embedded it. A new model re-embeds everything.
     */
    boolean canBeIncremental(String modelSnapshotId) {
        return base != null && base.modelSnapshotId().equals(modelSnapshotId);
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
        List<TableFile> files = new ArrayList<>(prefixed(prefix, run.files()));
        long rows = run.rowCount();
        long truncated = run.truncatedCount();
        if (run.carried() != null) {
            // the base version's files kept as they were: already relative to the table location
            files.addAll(run.carried().files());
            rows += run.carried().rows();
            truncated += run.carried().truncatedRows();
        }
        TableManifest version = new TableManifest(run.format(), run.runId(), run.modelSnapshotId(), run.modelRef(),
                run.dataSnapshotId(), run.idType(), run.dimension(), rows, run.rejectedCount(), truncated, run.createdAt(),
                files, prefixed(prefix, run.rejectedFiles()), run.baseVersion(), null);
        try (TableVersions versions = TableVersions.open(table, S3Settings.fromEnvironment())) {
            return versions.commit(baseVersion + 1, version).manifest();
        }
    }

    private static List<TableFile> prefixed(String prefix, List<TableFile> files) {
        return files.stream().map(f -> new TableFile(prefix + f.path(), f.rows(), f.sizeBytes())).toList();
    }
}
