package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.sql.ResultSet;
import java.sql.SQLException;

/** How a {@link RunRecord} maps to a row of {@code runs}. */
final class RunRows {

    /** Every column, the id first. */
    static final String COLUMNS = "id, kind, status, model_ref, model_snapshot_id, data_snapshot_id, "
            + "input_path, output_path, config_json, code_version, rows_in, rows_out, rows_rejected, rows_truncated, "
            + "started_at, finished_at, error, config_key, replay_of, spec_name, trigger_kind, trigger_detail, trigger_firing, "
            + "queue_request, log_location";
    /** {@code column = ?} for every column but the id, in {@link #fields} order. */
    static final String ASSIGNMENTS = COLUMNS.substring("id, ".length()).replace(",", " = ?,") + " = ?";
    static final int COLUMN_COUNT = COLUMNS.split(",").length;

    private RunRows() {
    }

    /** Values of every column but the id, in {@link #COLUMNS} order. */
    static Object[] fields(RunRecord run) {
        RunOrigin origin = run.origin();
        return new Object[] {run.kind(), run.status().name(), run.modelRef(), run.modelSnapshotId(), run.dataSnapshotId(),
            run.inputPath(), run.outputPath(), run.configJson(), run.codeVersion(), run.rowsIn(), run.rowsOut(),
            run.rowsRejected(), run.rowsTruncated(), SqlTimes.format(run.startedAt()), SqlTimes.format(run.finishedAt()),
            run.error(), run.configKey(), run.replayOf(), origin == null ? null : origin.spec(),
            origin == null ? null : origin.triggerKind(), origin == null ? null : origin.triggerDetail(),
            Db.nullableLong(origin == null ? null : origin.firing()), Db.nullableLong(origin == null ? null : origin.queueRequest()),
            run.logLocation()};
    }

    /** Reads a row selected as {@link #COLUMNS}; {@code database} names it in errors. */
    static RunRecord read(ResultSet rs, String database) throws SQLException {
        String id = rs.getString(1);
        String status = rs.getString(3);
        RunStatus runStatus;
        try {
            runStatus = RunStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw new OrchestratorException("run " + id + " in " + database + " has unknown status '" + status + "'", e);
        }
        return new RunRecord(id, rs.getString(2), runStatus, rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getLong(11), rs.getLong(12),
                rs.getLong(13), rs.getLong(14), SqlTimes.parse(rs.getString(15)), SqlTimes.parse(rs.getString(16)),
                rs.getString(17), rs.getString(18), rs.getString(19), origin(rs), rs.getString(25));
    }

    /** The origin in columns 20 to 24; null when the run has no spec. */
    private static RunOrigin origin(ResultSet rs) throws SQLException {
        String spec = rs.getString(20);
        if (spec == null) {
            return null;
        }
        long firing = rs.getLong(23);
        Long firingSeq = rs.wasNull() ? null : firing;
        long request = rs.getLong(24);
        Long requestId = rs.wasNull() ? null : request;
        return new RunOrigin(spec, rs.getString(21), rs.getString(22) == null ? "" : rs.getString(22), firingSeq, requestId);
    }
}
