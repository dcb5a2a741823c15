package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One execution of a job and its lineage: which model snapshot and which data snapshot
 * produced which output, with which config and code.
 *
 * <p>{@code id}, {@code kind}, {@code status} and {@code startedAt} are required; the lineage
 * strings may be null while not yet known (e.g. the data snapshot id is computed after the
 * run starts). {@code finishedAt} and {@code error} are null while running. Row counts are
 * never negative. While a run is running, {@code rowsIn} is the rows planned (once known) and
 * {@code rowsOut} the rows done so far, embedded or rejected, as last recorded
 * ({@link MetadataStore#recordRunProgress}); the run's end sets the final counts.
 *
 * @param kind what ran, e.g. {@code "refresh"}
 * @param modelRef model version as typed by users, e.g. {@code "starter/1"}
 * @param configJson the job configuration as JSON, free of secrets
 * @param error why a failed run failed, one line, free of secrets
 * @param configKey a hash of the config that decides the run's output, computed by the caller; null when not known
 *     (runs recorded before it existed). Two succeeded runs with equal kind, snapshots and config key made the same output.
 * @param replayOf the id of the run this one replays, or null
 * @param origin what started it when a refresh spec's trigger did ({@code embedflow serve}); null otherwise
 * @param logLocation where the log of the process that ran it is (and its Flink job), or null when not known
 */
public record RunRecord(
        String id,
        String kind,
        RunStatus status,
        String modelRef,
        String modelSnapshotId,
        String dataSnapshotId,
        String inputPath,
        String outputPath,
        String configJson,
        String codeVersion,
        long rowsIn,
        long rowsOut,
        long rowsRejected,
        long rowsTruncated,
        Instant startedAt,
        Instant finishedAt,
        String error,
        String configKey,
        String replayOf,
        RunOrigin origin,
        String logLocation) {

    /** Longest {@code configKey}: room for a hex SHA-512. */
    public static final int MAX_CONFIG_KEY_LENGTH = 128;

    public RunRecord {
        if (id == null || id.isBlank()) {
            throw new OrchestratorException("a run record needs an id");
        }
        if (kind == null || kind.isBlank()) {
            throw new OrchestratorException("run " + id + " has no kind");
        }
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        if (rowsIn < 0 || rowsOut < 0 || rowsRejected < 0 || rowsTruncated < 0) {
            throw new OrchestratorException("run " + id + " has a negative row count (in " + rowsIn + ", out " + rowsOut
                    + ", rejected " + rowsRejected + ", truncated " + rowsTruncated + ")");
        }
        if (configKey != null && (configKey.isBlank() || configKey.length() > MAX_CONFIG_KEY_LENGTH)) {
            throw new OrchestratorException("run " + id + " has an invalid config key '" + configKey + "': it must be non-blank "
                    + "and at most " + MAX_CONFIG_KEY_LENGTH + " characters");
        }
    }

    /** A record without an origin or a log location: the form from before those fields existed. */
    public RunRecord(String id, String kind, RunStatus status, String modelRef, String modelSnapshotId,
            String dataSnapshotId, String inputPath, String outputPath, String configJson, String codeVersion,
            long rowsIn, long rowsOut, long rowsRejected, long rowsTruncated, Instant startedAt, Instant finishedAt,
            String error, String configKey, String replayOf) {
        this(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath, configJson, codeVersion,
                rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error, configKey, replayOf, null, null);
    }

    /** A record without a config key and not a replay: the form from before those fields existed. */
    public RunRecord(String id, String kind, RunStatus status, String modelRef, String modelSnapshotId,
            String dataSnapshotId, String inputPath, String outputPath, String configJson, String codeVersion,
            long rowsIn, long rowsOut, long rowsRejected, long rowsTruncated, Instant startedAt, Instant finishedAt,
            String error) {
        this(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath, configJson, codeVersion,
                rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error, null, null, null, null);
    }

    /** A new {@link RunStatus#RUNNING} record with zero counts, no config key, not a replay. */
    public static RunRecord started(String id, String kind, String modelRef, String modelSnapshotId,
            String dataSnapshotId, String inputPath, String outputPath, String configJson, String codeVersion,
            Instant startedAt) {
        return started(id, kind, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath, configJson,
                codeVersion, startedAt, null, null);
    }

    /** A new {@link RunStatus#RUNNING} record with zero counts. */
    public static RunRecord started(String id, String kind, String modelRef, String modelSnapshotId,
            String dataSnapshotId, String inputPath, String outputPath, String configJson, String codeVersion,
            Instant startedAt, String configKey, String replayOf) {
        return new RunRecord(id, kind, RunStatus.RUNNING, modelRef, modelSnapshotId, dataSnapshotId, inputPath,
                outputPath, configJson, codeVersion, 0, 0, 0, 0, startedAt, null, null, configKey, replayOf, null, null);
    }

    /** Time from start to finish; zero while running. */
    public Duration duration() {
        if (finishedAt == null || finishedAt.isBefore(startedAt)) {
            return Duration.ZERO;
        }
        return Duration.between(startedAt, finishedAt);
    }

    /** {@code rowsOut} per second of {@link #duration()}; 0 when the duration is unknown or zero. */
    public double rowsPerSecond() {
        long nanos = duration().toNanos();
        return nanos <= 0 ? 0.0 : rowsOut * 1e9 / nanos;
    }

    /** This run ended in {@code status} with these counts. */
    public RunRecord finished(RunStatus status, long rowsIn, long rowsOut, long rowsRejected, long rowsTruncated,
            Instant finishedAt, String error) {
        if (status == null || !status.isTerminal()) {
            throw new OrchestratorException("run " + id + " cannot finish with status " + status);
        }
        Objects.requireNonNull(finishedAt, "finishedAt");
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    /** This run failed with {@code error}, keeping the counts reached so far. */
    public RunRecord failed(String error, Instant finishedAt) {
        return finished(RunStatus.FAILED, rowsIn, rowsOut, rowsRejected, rowsTruncated, finishedAt, error);
    }

    /** Progress so far of a running run. */
    public RunRecord withCounts(long rowsIn, long rowsOut, long rowsRejected, long rowsTruncated) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    public RunRecord withDataSnapshotId(String dataSnapshotId) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    public RunRecord withOutputPath(String outputPath) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    public RunRecord withConfigKey(String configKey) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    public RunRecord withReplayOf(String replayOf) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    public RunRecord withOrigin(RunOrigin origin) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    public RunRecord withLogLocation(String logLocation) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }

    /** This failed run with its error replaced by {@code error}. */
    public RunRecord withError(String error) {
        return new RunRecord(id, kind, status, modelRef, modelSnapshotId, dataSnapshotId, inputPath, outputPath,
                configJson, codeVersion, rowsIn, rowsOut, rowsRejected, rowsTruncated, startedAt, finishedAt, error,
                configKey, replayOf, origin, logLocation);
    }
}
