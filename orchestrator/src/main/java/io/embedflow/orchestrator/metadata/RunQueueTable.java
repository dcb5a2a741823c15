package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.queue.AdmissionPlan;
import io.embedflow.orchestrator.queue.Enqueued;
import io.embedflow.orchestrator.queue.FairShare;
import io.embedflow.orchestrator.queue.FairSharePolicy;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.Requeue;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.queue.RunRequest;
import io.embedflow.orchestrator.queue.SlotClaim;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RunQueue} behind {@link MetadataStore#runQueue}: tables {@code run_queue} and
 * {@code run_queue_control} (migration V5). The reservation of the last admission pass is kept in
 * the control table, so it survives between passes, daemons and restarts.
 *
 * <p>Races, on PostgreSQL (SQLite takes its write lock at the start of every transaction, so
 * writers never interleave there): an enqueue first looks for an active request with its key;
 * finding none it takes the {@code last_request_id} row's lock, looks again (a read after the
 * lock sees what the previous holder committed) and inserts. The unique partial index backs
 * this: should two inserts of one key still meet, the loser's unique violation makes
 * {@link Db#transaction} run it again, and it then finds the winner's row. An admission pass (and a
 * reclaim) takes the {@code admission_passes} row's lock first and reads every active row in one statement, so two
 * passes see each other's admissions; each state change re-checks the state it expects, so a
 * concurrent cancel wins over a pass.
 */
final class RunQueueTable implements RunQueue {

    private static final Logger LOG = LoggerFactory.getLogger(RunQueueTable.class);
    private static final int MAX_OWNER_LENGTH = 200;
    private static final int IDS_PER_SELECT = 500;
    private static final String ACTIVE = "state IN ('QUEUED', 'ADMITTED')";
    private static final String SELECT = "SELECT " + QueueRows.COLUMNS + " FROM run_queue ";
    private static final String LAST_REQUEST_ID = "last_request_id";
    private static final String ADMISSION_PASSES = "admission_passes";
    private static final String RESERVED_REQUEST = "reserved_request";

    private final Db db;
    private final Object lock;
    private final FairShare share;
    private final Duration leaseTtl;

    /** {@code lock} guards {@code db}: the store's own monitor, so calls interleave with the store's. */
    RunQueueTable(Db db, Object lock, FairShare share, Duration leaseTtl) {
        this.db = db;
        this.lock = lock;
        this.share = Objects.requireNonNull(share, "share");
        this.leaseTtl = Objects.requireNonNull(leaseTtl, "leaseTtl");
        if (leaseTtl.isNegative() || leaseTtl.isZero()) {
            throw new OrchestratorException("a run queue lease must be longer than zero, got " + leaseTtl);
        }
    }

    @Override
    public FairShare share() {
        return share;
    }

    @Override
    public Enqueued enqueue(RunRequest request) {
        return enqueueAll(List.of(request)).get(0);
    }

    @Override
    public List<Enqueued> enqueueAll(List<RunRequest> requests) {
        requests.forEach(this::check);
        String what = requests.size() == 1 ? "run request for spec " + requests.get(0).spec() : requests.size() + " run requests";
        synchronized (lock) {
            return db.transaction("could not enqueue " + what, () -> {
                List<Enqueued> result = new ArrayList<>(requests.size());
                for (RunRequest request : requests) {
                    result.add(enqueueOne(request));
                }
                return result;
            });
        }
    }

    private void check(RunRequest request) {
        Objects.requireNonNull(request, "request");
        String never = share.whyNever(request.tenant(), request.slots());
        if (never != null) {
            throw new OrchestratorException("cannot queue run request for spec " + request.spec() + " of tenant "
                    + request.tenant() + ": it " + never);
        }
        JsonText.requireValid(request.payloadJson(), "the payload of run request for spec " + request.spec());
    }

    private Enqueued enqueueOne(RunRequest request) {
        Optional<QueuedRun> existing = activeWithKey(request.dedupeKey());
        if (existing.isEmpty()) {
            long id = next(LAST_REQUEST_ID);
            existing = activeWithKey(request.dedupeKey());
            if (existing.isEmpty()) {
                db.update("could not insert run request " + id, "INSERT INTO run_queue (" + QueueRows.COLUMNS + ") VALUES ("
                        + QueueRows.PLACEHOLDERS + ")", QueueRows.newRow(id, request));
                return new Enqueued(new QueuedRun(id, request, QueueState.QUEUED, 0, null, null, null, null, null), true);
            }
        }
        return new Enqueued(existing.get(), false);
    }

    @Override
    public Optional<Enqueued> enqueueFiring(long firing, RunRequest request, Instant now) {
        return enqueueFirings(Map.of(firing, request), now).get(firing);
    }

    @Override
    public Map<Long, Optional<Enqueued>> enqueueFirings(Map<Long, RunRequest> requests, Instant now) {
        requests.values().forEach(this::check);
        Objects.requireNonNull(now, "now");
        String what = requests.size() == 1 ? "firing " + requests.keySet().iterator().next() : requests.size() + " firings";
        synchronized (lock) {
            return db.transaction("could not enqueue " + what, () -> {
                Map<Long, Optional<Enqueued>> result = new LinkedHashMap<>();
                for (Map.Entry<Long, RunRequest> e : requests.entrySet()) {
                    result.put(e.getKey(), enqueueFiringInTransaction(e.getKey(), e.getValue(), now));
                }
                return result;
            });
        }
    }

    private Optional<Enqueued> enqueueFiringInTransaction(long firing, RunRequest request, Instant now) {
        // the firing's row first: of two daemons taking one firing, the second finds it taken
        if (db.update("could not take firing " + firing, "UPDATE trigger_log SET consumed_by = ?, consumed_at = ? "
                + "WHERE seq = ? AND consumed_at IS NULL", "queue", SqlTimes.format(now), firing) != 1) {
            return Optional.empty();
        }
        Enqueued enqueued = enqueueOne(request);
        db.update("could not take firing " + firing, "UPDATE trigger_log SET consumed_by = ? WHERE seq = ?",
                "queue:" + enqueued.run().id(), firing);
        return Optional.of(enqueued);
    }

    private Optional<QueuedRun> activeWithKey(String dedupeKey) {
        return db.first("active run request with dedupe key " + dedupeKey, SELECT + "WHERE dedupe_key = ? AND " + ACTIVE,
                rs -> QueueRows.read(rs, db.database()), dedupeKey);
    }

    /** Increments control value {@code name} and returns its new value; on PostgreSQL, holds its row lock until commit. */
    private long next(String name) {
        set(name, "value + 1");
        return value(name);
    }

    /** Takes the row lock of control value {@code name} (on PostgreSQL; until commit) without changing it. */
    private void lock(String name) {
        set(name, "value");
    }

    private void set(String name, String expression, Object... args) {
        Object[] all = new Object[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = name;
        if (db.update("could not update run queue value " + name, "UPDATE run_queue_control SET value = " + expression
                + " WHERE name = ?", all) != 1) {
            throw new OrchestratorException("run queue value " + name + " is missing in " + db.database());
        }
    }

    private long value(String name) {
        return db.first("run queue value " + name, "SELECT value FROM run_queue_control WHERE name = ?",
                rs -> rs.getLong(1), name).orElseThrow(() -> new OrchestratorException(
                        "run queue value " + name + " is missing in " + db.database()));
    }

    @Override
    public List<QueuedRun> admit(String owner, Instant now) {
        checkOwner(owner);
        Objects.requireNonNull(now, "now");
        synchronized (lock) {
            return db.transaction("could not admit queued runs for " + owner, () -> {
                next(ADMISSION_PASSES);
                long reserved = value(RESERVED_REQUEST);
                List<SlotClaim> queued = new ArrayList<>();
                List<SlotClaim> admitted = new ArrayList<>();
                for (QueueRows.StateClaim row : db.query("active run requests", "SELECT " + QueueRows.CLAIM_COLUMNS
                        + " FROM run_queue WHERE state = 'ADMITTED' OR (state = 'QUEUED' AND (not_before IS NULL OR not_before <= ?))",
                        QueueRows::readClaim, SqlTimes.format(now))) {
                    (row.state() == QueueState.QUEUED ? queued : admitted).add(row.claim());
                }
                AdmissionPlan plan = FairSharePolicy.plan(share, queued, admitted,
                        reserved > 0 ? OptionalLong.of(reserved) : OptionalLong.empty());
                set(RESERVED_REQUEST, "?", plan.reservedFor().map(SlotClaim::id).orElse(0L));
                List<Long> ids = new ArrayList<>();
                for (SlotClaim claim : plan.admit()) {
                    if (db.update("could not admit run request " + claim.id(), "UPDATE run_queue SET state = 'ADMITTED', "
                            + "attempts = attempts + 1, admitted_at = ?, lease_owner = ?, lease_expires_at = ? "
                            + "WHERE id = ? AND state = 'QUEUED'", SqlTimes.format(now), owner,
                            SqlTimes.format(now.plus(leaseTtl)), claim.id()) == 1) {
                        ids.add(claim.id());
                    }
                }
                if (!plan.unsatisfiable().isEmpty()) {
                    LOG.warn("{} queued run requests can never be admitted on {} slots with the current quotas (first: {}); "
                            + "they stay queued", plan.unsatisfiable().size(), share.capacitySlots(), plan.unsatisfiable().get(0));
                }
                LOG.debug("admission pass by {}: admitted {}, reserved for {}", owner, ids, plan.reservedFor());
                return load(ids);
            });
        }
    }

    @Override
    public Set<Long> heartbeat(String owner, Instant now) {
        checkOwner(owner);
        Objects.requireNonNull(now, "now");
        synchronized (lock) {
            return db.transaction("could not renew the leases of " + owner, () -> {
                db.update("could not renew the leases of " + owner, "UPDATE run_queue SET lease_expires_at = ? "
                        + "WHERE lease_owner = ? AND state = 'ADMITTED'", SqlTimes.format(now.plus(leaseTtl)), owner);
                return Collections.unmodifiableSet(new LinkedHashSet<>(db.query("leases of " + owner,
                        "SELECT id FROM run_queue WHERE lease_owner = ? AND state = 'ADMITTED' ORDER BY id",
                        rs -> rs.getLong(1), owner)));
            });
        }
    }

    @Override
    public List<QueuedRun> reclaimExpired(Instant now) {
        String at = SqlTimes.format(Objects.requireNonNull(now, "now"));
        synchronized (lock) {
            return db.transaction("could not reclaim expired run leases", () -> {
                lock(ADMISSION_PASSES);
                List<Long> expired = db.query("expired run leases", "SELECT id FROM run_queue "
                        + "WHERE state = 'ADMITTED' AND lease_expires_at < ? ORDER BY id", rs -> rs.getLong(1), at);
                List<Long> reclaimed = new ArrayList<>();
                for (long id : expired) {
                    if (db.update("could not reclaim run request " + id, "UPDATE run_queue SET state = 'QUEUED', "
                            + "admitted_at = NULL, lease_owner = NULL, lease_expires_at = NULL "
                            + "WHERE id = ? AND state = 'ADMITTED' AND lease_expires_at < ?", id, at) == 1) {
                        reclaimed.add(id);
                    }
                }
                if (!reclaimed.isEmpty()) {
                    LOG.info("reclaimed run requests {} whose lease expired before {}", reclaimed, now);
                }
                return load(reclaimed);
            });
        }
    }

    @Override
    public List<QueuedRun> reclaimOwner(String owner, Instant now) {
        checkOwner(owner);
        Objects.requireNonNull(now, "now");
        synchronized (lock) {
            return db.transaction("could not reclaim the run requests of " + owner, () -> {
                lock(ADMISSION_PASSES);
                List<Long> held = db.query("leases of " + owner, "SELECT id FROM run_queue WHERE lease_owner = ? "
                        + "AND state = 'ADMITTED' ORDER BY id", rs -> rs.getLong(1), owner);
                db.update("could not reclaim the run requests of " + owner, "UPDATE run_queue SET state = 'QUEUED', "
                        + "admitted_at = NULL, lease_owner = NULL, lease_expires_at = NULL "
                        + "WHERE lease_owner = ? AND state = 'ADMITTED'", owner);
                if (!held.isEmpty()) {
                    LOG.info("reclaimed run requests {} held by {}", held, owner);
                }
                return load(held);
            });
        }
    }

    @Override
    public QueuedRun requeue(long id, Requeue reason, Instant notBefore, Instant now) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(now, "now");
        String counter = switch (reason) {
            case TRANSIENT -> ", transient_retries = transient_retries + 1";
            case PREEMPTION -> ", preemption_retries = preemption_retries + 1";
            case RELEASED -> "";
        };
        synchronized (lock) {
            return db.transaction("could not put run request " + id + " back in the queue", () -> {
                requireActive(id, "put back in the queue");
                if (db.update("could not put run request " + id + " back in the queue", "UPDATE run_queue SET "
                        + "state = 'QUEUED', admitted_at = NULL, lease_owner = NULL, lease_expires_at = NULL, run_id = NULL, "
                        + "not_before = ?" + counter + " WHERE id = ? AND " + ACTIVE, SqlTimes.format(notBefore), id) != 1) {
                    throw new OrchestratorException("cannot put run request " + id + " back in the queue: it ended meanwhile");
                }
                return find(id).orElseThrow(() -> unknown(id));
            });
        }
    }

    @Override
    public QueuedRun attachRun(long id, String runId) {
        Objects.requireNonNull(runId, "runId");
        synchronized (lock) {
            return db.transaction("could not attach run " + runId + " to run request " + id, () -> {
                requireActive(id, "attach run " + runId + " to");
                return attach(id, runId);
            });
        }
    }

    @Override
    public Map<Long, QueuedRun> attachRuns(Map<Long, String> runIds) {
        runIds.values().forEach(runId -> Objects.requireNonNull(runId, "runId"));
        synchronized (lock) {
            return db.transaction("could not attach runs to " + runIds.size() + " run requests", () -> {
                Map<Long, QueuedRun> attached = new LinkedHashMap<>();
                for (Map.Entry<Long, String> e : runIds.entrySet()) {
                    if (find(e.getKey()).map(r -> r.state().isActive()).orElse(false)) {
                        attached.put(e.getKey(), attach(e.getKey(), e.getValue()));
                    }
                }
                return attached;
            });
        }
    }

    private QueuedRun attach(long id, String runId) {
        db.update("could not attach run " + runId + " to run request " + id, "UPDATE run_queue SET run_id = ? WHERE id = ?", runId, id);
        return find(id).orElseThrow(() -> unknown(id));
    }

    @Override
    public QueuedRun finish(long id, boolean succeeded, String runId, Instant now) {
        QueueState end = succeeded ? QueueState.SUCCEEDED : QueueState.FAILED;
        synchronized (lock) {
            return db.transaction("could not finish run request " + id, () -> {
                QueuedRun run = requireActive(id, "finish");
                String keptRunId = runId != null ? runId : run.runId();
                if (!end(id, end, now, keptRunId)) {
                    throw new OrchestratorException("cannot finish run request " + id + ": it ended meanwhile");
                }
                return new QueuedRun(id, run.request(), end, run.attempts(), null, null, null, now, keptRunId,
                        run.transientRetries(), run.preemptionRetries(), run.notBefore());
            });
        }
    }

    @Override
    public boolean cancel(long id, Instant now) {
        synchronized (lock) {
            return db.transaction("could not cancel run request " + id, () -> {
                QueuedRun run = find(id).orElseThrow(() -> unknown(id));
                return run.state().isActive() && end(id, QueueState.CANCELLED, now, run.runId());
            });
        }
    }

    private boolean end(long id, QueueState end, Instant now, String runId) {
        return db.update("could not end run request " + id + " as " + end, "UPDATE run_queue SET state = ?, finished_at = ?, "
                + "run_id = ?, admitted_at = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND " + ACTIVE,
                end.name(), SqlTimes.format(Objects.requireNonNull(now, "now")), runId, id) == 1;
    }

    private QueuedRun requireActive(long id, String action) {
        QueuedRun run = find(id).orElseThrow(() -> unknown(id));
        if (run.state().isTerminal()) {
            throw new OrchestratorException("cannot " + action + " run request " + id + ": it is already " + run.state()
                    + (run.finishedAt() == null ? "" : " since " + run.finishedAt()));
        }
        return run;
    }

    private OrchestratorException unknown(long id) {
        return new OrchestratorException("no run request " + id + " in the run queue of " + db.database());
    }

    @Override
    public Optional<QueuedRun> find(long id) {
        synchronized (lock) {
            return db.first("run request " + id, SELECT + "WHERE id = ?", rs -> QueueRows.read(rs, db.database()), id);
        }
    }

    @Override
    public OptionalLong reservation() {
        synchronized (lock) {
            long reserved = value(RESERVED_REQUEST);
            return reserved > 0 ? OptionalLong.of(reserved) : OptionalLong.empty();
        }
    }

    @Override
    public List<QueuedRun> list(QueueState state) {
        synchronized (lock) {
            return db.query(state + " run requests", SELECT + "WHERE state = ?" + order(state),
                    rs -> QueueRows.read(rs, db.database()), state.name());
        }
    }

    @Override
    public List<QueuedRun> list(QueueState state, String tenant) {
        synchronized (lock) {
            return db.query(state + " run requests of tenant " + tenant, SELECT + "WHERE state = ? AND tenant = ?" + order(state),
                    rs -> QueueRows.read(rs, db.database()), state.name(), tenant);
        }
    }

    /** Queued: as each tenant's line (tenants sorted here, not by the engine's collation); else by id. */
    private static String order(QueueState state) {
        return state == QueueState.QUEUED ? " ORDER BY priority DESC, id" : " ORDER BY id";
    }

    /** The rows with {@code ids}, in that order. */
    private List<QueuedRun> load(List<Long> ids) {
        Map<Long, QueuedRun> byId = new HashMap<>();
        for (int from = 0; from < ids.size(); from += IDS_PER_SELECT) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_SELECT));
            for (QueuedRun run : db.query("run requests " + chunk, SELECT + "WHERE id IN (?" + ", ?".repeat(chunk.size() - 1)
                    + ")", rs -> QueueRows.read(rs, db.database()), chunk.toArray())) {
                byId.put(run.id(), run);
            }
        }
        return ids.stream().map(byId::get).toList();
    }

    private static void checkOwner(String owner) {
        if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER_LENGTH) {
            throw new OrchestratorException("a run queue lease owner is 1 to " + MAX_OWNER_LENGTH + " characters, got '"
                    + owner + "'");
        }
    }
}
