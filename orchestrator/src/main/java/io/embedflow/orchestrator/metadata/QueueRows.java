package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunRequest;
import io.embedflow.orchestrator.queue.RunTrigger;
import io.embedflow.orchestrator.queue.SlotClaim;
import java.sql.ResultSet;
import java.sql.SQLException;

/** How a {@link QueuedRun} maps to a row of {@code run_queue}. */
final class QueueRows {

    /** Every column, the id first. */
    static final String COLUMNS = "id, spec, tenant, priority, slots, dedupe_key, trigger_kind, trigger_detail, payload_json, "
            + "enqueued_at, state, attempts, admitted_at, lease_owner, lease_expires_at, finished_at, run_id, not_before, "
            + "transient_retries, preemption_retries";
    static final String PLACEHOLDERS = "?" + ", ?".repeat(COLUMNS.split(",").length - 1);
    /** What the fair-share policy reads: {@link #readClaim} maps it. */
    static final String CLAIM_COLUMNS = "id, tenant, priority, slots, state";

    private QueueRows() {
    }

    /** The values of a new, queued row, in {@link #COLUMNS} order. */
    static Object[] newRow(long id, RunRequest r) {
        return new Object[] {id, r.spec(), r.tenant(), r.priority(), r.slots(), r.dedupeKey(), r.trigger().kind().name(),
            r.trigger().detail(), r.payloadJson(), SqlTimes.format(r.enqueuedAt()), QueueState.QUEUED.name(), 0, null, null,
            null, null, null, null, 0, 0};
    }

    /** Reads a row selected as {@link #COLUMNS}; {@code database} names it in errors. */
    static QueuedRun read(ResultSet rs, String database) throws SQLException {
        long id = rs.getLong(1);
        try {
            RunRequest request = new RunRequest(rs.getString(2), rs.getString(3), rs.getInt(4), rs.getInt(5), rs.getString(6),
                    new RunTrigger(RunTrigger.Kind.valueOf(rs.getString(7)), rs.getString(8)), rs.getString(9),
                    SqlTimes.parse(rs.getString(10)));
            return new QueuedRun(id, request, QueueState.valueOf(rs.getString(11)), rs.getInt(12),
                    SqlTimes.parse(rs.getString(13)), rs.getString(14), SqlTimes.parse(rs.getString(15)),
                    SqlTimes.parse(rs.getString(16)), rs.getString(17), rs.getInt(19), rs.getInt(20),
                    SqlTimes.parse(rs.getString(18)));
        } catch (IllegalArgumentException | OrchestratorException e) {
            throw new OrchestratorException("queued run request " + id + " in " + database + " cannot be read: "
                    + e.getMessage(), e);
        }
    }

    /** A row selected as {@link #CLAIM_COLUMNS}, as its state and claim. */
    record StateClaim(QueueState state, SlotClaim claim) {
    }

    static StateClaim readClaim(ResultSet rs) throws SQLException {
        return new StateClaim(QueueState.valueOf(rs.getString(5)),
                new SlotClaim(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getInt(4)));
    }
}
