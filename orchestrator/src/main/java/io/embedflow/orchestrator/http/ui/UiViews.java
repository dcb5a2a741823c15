package io.embedflow.orchestrator.http.ui;

import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.AliasMove;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The shapes the web UI's JSON API answers with: stable field names, times as ISO-8601 text,
 * links as paths of this server (null when there is nothing to link to).
 */
final class UiViews {
    private UiViews() {
    }

    /**
     * A run as the runs table and the run page show it.
     *
     * @param progress the share of its rows done, 0 to 1: rows done over rows planned while running
     *     ({@link RunRecord}), 1 once succeeded; null while the rows planned are unknown
     * @param durationSeconds from start to finish, or to now while running
     * @param rowsPerSecond rows done per second of {@code durationSeconds}
     * @param trigger what started it ({@code CRON (firing 12): ...}); null for a run started by hand
     * @param report the path of its HTML report when there is one
     * @param lineage the path of the lineage page of its table, once it succeeded
     */
    record Run(String id, String kind, String status, String model, String modelSnapshotId, String dataSnapshotId,
            String input, String output, String codeVersion, long rowsIn, long rowsOut, long rowsRejected, long rowsTruncated,
            Double progress, String startedAt, String finishedAt, double durationSeconds, double rowsPerSecond, String spec,
            String trigger, Long queueRequest, String replayOf, String error, String logLocation, String report, String lineage) {

        static Run of(RunRecord r, Instant now, String report) {
            Instant end = r.finishedAt() != null ? r.finishedAt() : now;
            Duration took = end.isBefore(r.startedAt()) ? Duration.ZERO : Duration.between(r.startedAt(), end);
            double seconds = took.toMillis() / 1000.0;
            Double progress = r.status() == RunStatus.SUCCEEDED ? Double.valueOf(1.0)
                    : r.rowsIn() > 0 ? Double.valueOf(Math.min(1.0, (double) r.rowsOut() / r.rowsIn())) : null;
            String lineage = r.status() == RunStatus.SUCCEEDED && r.outputPath() != null
                    ? "/lineage?table=" + URLEncoder.encode(r.outputPath(), StandardCharsets.UTF_8) : null;
            return new Run(r.id(), r.kind(), r.status().name(), r.modelRef(), r.modelSnapshotId(), r.dataSnapshotId(),
                    r.inputPath(), r.outputPath(), r.codeVersion(), r.rowsIn(), r.rowsOut(), r.rowsRejected(), r.rowsTruncated(),
                    progress, r.startedAt().toString(), r.finishedAt() == null ? null : r.finishedAt().toString(), seconds,
                    seconds <= 0 ? 0.0 : Math.round(r.rowsOut() / seconds * 10) / 10.0,
                    r.origin() == null ? null : r.origin().spec(), r.origin() == null ? null : r.origin().describeTrigger(),
                    r.origin() == null ? null : r.origin().queueRequest(), r.replayOf(), r.error(), r.logLocation(), report,
                    lineage);
        }
    }

    /** One run with what it was configured with and what it measured (parsed JSON; null when not recorded). */
    record RunDetail(Run run, Object config, Object metrics) {
    }

    /** A model in the models list: how many versions, the newest, and where its aliases point. */
    record ModelSummary(String name, int versions, String latest, String latestCreatedAt, List<AliasView> aliases) {
    }

    record Version(String ref, int version, String snapshotId, String createdAt, String source, List<String> aliases) {
        static Version of(ModelVersion v, List<Alias> aliases) {
            return new Version(v.ref(), v.version(), v.snapshotId(), v.createdAt().toString(), v.source(),
                    aliases.stream().filter(a -> a.version() == v.version()).map(Alias::alias).toList());
        }
    }

    record AliasView(String alias, String ref, int version, String updatedAt) {
        static AliasView of(Alias a) {
            return new AliasView(a.alias(), a.ref(), a.version(), a.updatedAt().toString());
        }
    }

    /** One recorded alias move; {@code from} is null for a creation, {@code to} for a deletion. */
    record Move(String alias, Integer from, Integer to, String at, String actor, String reason) {
        static Move of(AliasMove m) {
            return new Move(m.ref(), m.fromVersion(), m.toVersion(), m.at().toString(), m.actor(), m.reason());
        }
    }

    /** A model's page: versions (oldest first), aliases, every alias move (newest first) and the runs of its snapshots. */
    record ModelDetail(String name, List<Version> versions, List<AliasView> aliases, List<Move> history, List<Run> runs) {
    }

    /** A refresh spec in the schedules list. */
    record Spec(String name, String tenant, int priority, String status, String model, String triggers, String lastFired,
            String lastFiredKind, String nextCronDue) {
    }

    /** A trigger firing. */
    record Firing(long id, String kind, String detail, String firedAt) {
    }

    /** A spec's page: the spec as canonical YAML, what its triggers saw, its last firings and runs. */
    record SpecDetail(Spec spec, String yaml, Map<String, Object> state, List<Firing> firings, List<Run> runs) {
    }

    /** A data file of a data snapshot. */
    record DataFileView(String path, long size, String sha256) {
    }

    /**
     * Where a table came from (see {@link io.embedflow.orchestrator.lineage.TableLineage}).
     *
     * @param dataRoot null when the data snapshot is not recorded
     * @param run null when no run of this metadata store wrote it
     */
    record Lineage(String table, long rows, long rejected, int dimension, String createdAt, String modelSnapshotId,
            String modelRecordedAs, List<String> modelVersions, List<String> modelAliases, boolean modelInStore,
            String dataSnapshotId, String dataRoot, List<DataFileView> dataFiles, String runId, Run run) {
    }
}
