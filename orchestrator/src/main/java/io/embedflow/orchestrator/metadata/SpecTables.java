package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The refresh spec tables behind {@link MetadataStore#specs()}: {@code refresh_specs} (the specs),
 * {@code spec_trigger_state} and {@code spec_upstream_seen} (what each spec's triggers have
 * accounted for) and {@code trigger_log} (every firing). The store stores; it does not parse specs
 * or decide when a trigger fires (that is {@code io.embedflow.orchestrator.schedule}).
 *
 * <p>Contract: every method is one statement or one transaction, under the metadata store's lock,
 * blocking until done. A spec and its state are written together; a firing is logged in the
 * transaction that moves its spec's state ({@link #commit}), and that transaction is refused when
 * the state changed since it was read, so one cause fires once however many evaluators race.
 */
public final class SpecTables {

    private static final String SPEC_COLUMNS = "name, tenant, spec_yaml, paused, created_at, updated_at";
    private static final String STATE_COLUMNS = "spec_name, revision, cron_checked_at, data_snapshot_id, data_seen_at, "
            + "alias_version, alias_seen_at, last_run_id, last_run_succeeded, last_run_finished_at, last_success_run_id, "
            + "last_success_at";
    private static final String STATE_ASSIGNMENTS = "revision = ?, cron_checked_at = ?, data_snapshot_id = ?, data_seen_at = ?, "
            + "alias_version = ?, alias_seen_at = ?, last_run_id = ?, last_run_succeeded = ?, last_run_finished_at = ?, "
            + "last_success_run_id = ?, last_success_at = ?";
    private static final String LOG_COLUMNS = "seq, spec_name, kind, detail, fired_at, consumed_by, consumed_at";

    private final Db db;
    private final Object lock;

    SpecTables(Db db, Object lock) {
        this.db = db;
        this.lock = lock;
    }

    // ---- specs ----

    /** Every spec, by name. */
    public List<StoredSpec> list() {
        // sorted here: PostgreSQL's collation may order text differently from SQLite's
        return locked(() -> db.query("refresh specs", "SELECT " + SPEC_COLUMNS + " FROM refresh_specs", SpecTables::readSpec)
                .stream().sorted(Comparator.comparing(StoredSpec::name)).toList());
    }

    public Optional<StoredSpec> find(String name) {
        return locked(() -> findSpec(name));
    }

    /**
     * Adds {@code spec} with its first {@code state} (whose revision is ignored), in one
     * transaction; returns false, changing nothing, when a spec of that name exists.
     */
    public boolean insert(StoredSpec spec, SpecState state) {
        requireSameSpec(spec, state);
        return locked(() -> db.transaction("could not add refresh spec " + spec.name(), () -> {
            if (db.update("could not add refresh spec " + spec.name(), "INSERT INTO refresh_specs (" + SPEC_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", specFields(spec)) != 1) {
                return false;
            }
            db.update("could not add the trigger state of refresh spec " + spec.name(),
                    "INSERT INTO spec_trigger_state (" + STATE_COLUMNS + ") VALUES (?" + ", ?".repeat(11) + ")",
                    stateFields(state.withRevision(1), true));
            writeUpstreams(state);
            return true;
        }));
    }

    /**
     * Replaces the YAML, tenant and paused flag of the existing spec {@code spec.name()} (its
     * creation time stays) and its state, in one transaction; returns false when there is none.
     */
    public boolean replace(StoredSpec spec, SpecState state) {
        requireSameSpec(spec, state);
        return locked(() -> db.transaction("could not replace refresh spec " + spec.name(), () -> {
            if (db.update("could not replace refresh spec " + spec.name(),
                    "UPDATE refresh_specs SET tenant = ?, spec_yaml = ?, paused = ?, updated_at = ? WHERE name = ?",
                    spec.tenant(), spec.yaml(), spec.paused() ? 1 : 0, SqlTimes.format(spec.updatedAt()), spec.name()) != 1) {
                return false;
            }
            updateState(state, null);
            return true;
        }));
    }

    /**
     * Sets the paused flag of {@code name} and, when {@code cronCheckedAt} is non-null, moves its
     * cron state there, in one transaction; returns false when there is no such spec.
     */
    public boolean setPaused(String name, boolean paused, Instant at, Instant cronCheckedAt) {
        return locked(() -> db.transaction("could not " + (paused ? "pause" : "resume") + " refresh spec " + name, () -> {
            if (db.update("could not update refresh spec " + name, "UPDATE refresh_specs SET paused = ?, updated_at = ? WHERE name = ?",
                    paused ? 1 : 0, SqlTimes.format(at), name) != 1) {
                return false;
            }
            if (cronCheckedAt != null) {
                SpecState state = findState(name).orElseThrow(() -> missingState(name));
                updateState(state.withCronCheckedAt(cronCheckedAt), null);
            }
            return true;
        }));
    }

    /** Removes {@code name} and its state; its firings stay in the log. Returns false when there is no such spec. */
    public boolean delete(String name) {
        return locked(() -> db.transaction("could not remove refresh spec " + name, () -> {
            db.update("could not remove refresh spec " + name, "DELETE FROM spec_upstream_seen WHERE spec_name = ?", name);
            db.update("could not remove refresh spec " + name, "DELETE FROM spec_trigger_state WHERE spec_name = ?", name);
            return db.update("could not remove refresh spec " + name, "DELETE FROM refresh_specs WHERE name = ?", name) == 1;
        }));
    }

    // ---- trigger state ----

    public Optional<SpecState> state(String name) {
        return locked(() -> findState(name));
    }

    /** The state of every spec, by spec name. */
    public Map<String, SpecState> states() {
        return locked(() -> {
            Map<String, Map<String, String>> upstreams = new HashMap<>();
            db.query("upstream runs seen", "SELECT spec_name, upstream, run_id FROM spec_upstream_seen", rs -> {
                upstreams.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getString(3));
                return null;
            });
            Map<String, SpecState> states = new LinkedHashMap<>();
            for (SpecState s : db.query("trigger states", "SELECT " + STATE_COLUMNS + " FROM spec_trigger_state",
                    rs -> readState(rs, Map.of()))) {
                states.put(s.spec(), s.withUpstreamRunsSeen(upstreams.getOrDefault(s.spec(), Map.of())));
            }
            return states;
        });
    }

    /**
     * Writes {@code updated} as the state of its spec and logs {@code firings} for it, in one
     * transaction, provided the stored state is still at {@code updated.revision()}; otherwise
     * (another writer moved it, or the spec is gone) changes nothing and returns empty.
     *
     * @return the logged firings, numbered, in the order given
     */
    public Optional<List<TriggerLogEntry>> commit(SpecState updated, List<TriggerLogEntry.New> firings) {
        return locked(() -> db.transaction("could not record the triggers of refresh spec " + updated.spec(), () -> {
            if (!updateState(updated, updated.revision())) {
                return Optional.<List<TriggerLogEntry>>empty();
            }
            List<TriggerLogEntry> logged = new ArrayList<>();
            for (TriggerLogEntry.New firing : firings) {
                logged.add(append(updated.spec(), firing));
            }
            return Optional.of(List.copyOf(logged));
        }));
    }

    // ---- trigger log ----

    /** Logs a firing that moves no state (a manual trigger) for the existing spec {@code spec}. */
    public TriggerLogEntry log(String spec, TriggerLogEntry.New firing) {
        return locked(() -> db.transaction("could not log a firing of refresh spec " + spec, () -> {
            if (findSpec(spec).isEmpty()) {
                throw new OrchestratorException("refresh spec '" + spec + "' not found in " + db.database());
            }
            return append(spec, firing);
        }));
    }

    /** The last {@code limit} firings of {@code spec} (also of a removed one), newest first. */
    public List<TriggerLogEntry> firings(String spec, int limit) {
        requirePositive(limit);
        return locked(() -> db.query("firings of refresh spec " + spec,
                "SELECT " + LOG_COLUMNS + " FROM trigger_log WHERE spec_name = ? ORDER BY seq DESC LIMIT ?", SpecTables::readLog,
                spec, limit));
    }

    /** At most {@code limit} firings nothing has consumed yet, oldest first. */
    public List<TriggerLogEntry> pending(int limit) {
        requirePositive(limit);
        return locked(() -> db.query("pending firings",
                "SELECT " + LOG_COLUMNS + " FROM trigger_log WHERE consumed_at IS NULL ORDER BY seq LIMIT ?", SpecTables::readLog,
                limit));
    }

    /** Marks firing {@code seq} as taken by {@code consumer}; returns false when it was already taken (or does not exist). */
    public boolean markConsumed(long seq, String consumer, Instant at) {
        if (consumer == null || consumer.isBlank()) {
            throw new OrchestratorException("a consumed firing needs a consumer, got '" + consumer + "'");
        }
        return locked(() -> db.update("could not mark firing " + seq + " consumed",
                "UPDATE trigger_log SET consumed_by = ?, consumed_at = ? WHERE seq = ? AND consumed_at IS NULL",
                consumer, SqlTimes.format(at), seq) == 1);
    }

    // ---- helpers ----

    private <T> T locked(Supplier<T> work) {
        synchronized (lock) {
            return work.get();
        }
    }

    private Optional<StoredSpec> findSpec(String name) {
        return db.first("refresh spec " + name, "SELECT " + SPEC_COLUMNS + " FROM refresh_specs WHERE name = ?",
                SpecTables::readSpec, name);
    }

    private Optional<SpecState> findState(String name) {
        Map<String, String> upstreams = new HashMap<>();
        db.query("upstream runs seen by " + name, "SELECT upstream, run_id FROM spec_upstream_seen WHERE spec_name = ?", rs -> {
            upstreams.put(rs.getString(1), rs.getString(2));
            return null;
        }, name);
        return db.first("trigger state of refresh spec " + name, "SELECT " + STATE_COLUMNS
                + " FROM spec_trigger_state WHERE spec_name = ?", rs -> readState(rs, upstreams), name);
    }

    /** Writes {@code state} at the next revision; with {@code expectedRevision}, only if the stored one is that. */
    private boolean updateState(SpecState state, Long expectedRevision) {
        String spec = state.spec();
        long current = db.first("trigger state of refresh spec " + spec, "SELECT revision FROM spec_trigger_state WHERE spec_name = ?",
                rs -> rs.getLong(1), spec).orElse(-1L);
        if (current < 0 || (expectedRevision != null && current != expectedRevision)) {
            return false;
        }
        List<Object> args = new ArrayList<>(Arrays.asList(stateFields(state.withRevision(current + 1), false)));
        args.add(spec);
        args.add(current);
        if (db.update("could not update the trigger state of refresh spec " + spec,
                "UPDATE spec_trigger_state SET " + STATE_ASSIGNMENTS + " WHERE spec_name = ? AND revision = ?", args.toArray()) != 1) {
            return false;
        }
        db.update("could not update the upstream runs seen by " + spec, "DELETE FROM spec_upstream_seen WHERE spec_name = ?", spec);
        writeUpstreams(state);
        return true;
    }

    private void writeUpstreams(SpecState state) {
        for (Map.Entry<String, String> seen : state.upstreamRunsSeen().entrySet()) {
            db.update("could not record the upstream runs seen by " + state.spec(),
                    "INSERT INTO spec_upstream_seen (spec_name, upstream, run_id) VALUES (?, ?, ?)",
                    state.spec(), seen.getKey(), seen.getValue());
        }
    }

    private TriggerLogEntry append(String spec, TriggerLogEntry.New firing) {
        // MAX + 1 in the writing transaction: two concurrent writers collide on the key and one is retried
        long seq = db.first("trigger log", "SELECT COALESCE(MAX(seq), 0) FROM trigger_log", rs -> rs.getLong(1)).orElse(0L) + 1;
        TriggerLogEntry entry = new TriggerLogEntry(seq, spec, firing.kind(), firing.detail(), firing.firedAt(), null, null);
        db.update("could not log a firing of refresh spec " + spec,
                "INSERT INTO trigger_log (seq, spec_name, kind, detail, fired_at) VALUES (?, ?, ?, ?, ?)",
                seq, spec, entry.kind(), entry.detail(), SqlTimes.format(entry.firedAt()));
        return entry;
    }

    private static Object[] specFields(StoredSpec s) {
        return new Object[] {s.name(), s.tenant(), s.yaml(), s.paused() ? 1 : 0, SqlTimes.format(s.createdAt()),
            SqlTimes.format(s.updatedAt())};
    }

    private static Object[] stateFields(SpecState s, boolean withName) {
        List<Object> fields = new ArrayList<>();
        if (withName) {
            fields.add(s.spec());
        }
        fields.add(s.revision());
        fields.add(SqlTimes.format(s.cronCheckedAt()));
        fields.add(s.dataSnapshotId());
        fields.add(SqlTimes.format(s.dataSeenAt()));
        fields.add(Db.nullableInt(s.aliasVersion()));
        fields.add(SqlTimes.format(s.aliasSeenAt()));
        fields.add(s.lastRunId());
        fields.add(Db.nullableInt(s.lastRunSucceeded() == null ? null : s.lastRunSucceeded() ? 1 : 0));
        fields.add(SqlTimes.format(s.lastRunFinishedAt()));
        fields.add(s.lastSuccessRunId());
        fields.add(SqlTimes.format(s.lastSuccessAt()));
        return fields.toArray();
    }

    private static StoredSpec readSpec(ResultSet rs) throws SQLException {
        return new StoredSpec(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0,
                SqlTimes.parse(rs.getString(5)), SqlTimes.parse(rs.getString(6)));
    }

    private static SpecState readState(ResultSet rs, Map<String, String> upstreams) throws SQLException {
        Integer succeeded = nullableInt(rs, 9);
        return new SpecState(rs.getString(1), rs.getLong(2), SqlTimes.parse(rs.getString(3)), rs.getString(4),
                SqlTimes.parse(rs.getString(5)), nullableInt(rs, 6), SqlTimes.parse(rs.getString(7)), rs.getString(8),
                succeeded == null ? null : succeeded != 0, SqlTimes.parse(rs.getString(10)), rs.getString(11),
                SqlTimes.parse(rs.getString(12)), upstreams);
    }

    private static TriggerLogEntry readLog(ResultSet rs) throws SQLException {
        return new TriggerLogEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                SqlTimes.parse(rs.getString(5)), rs.getString(6), SqlTimes.parse(rs.getString(7)));
    }

    private static Integer nullableInt(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    private static void requireSameSpec(StoredSpec spec, SpecState state) {
        if (!spec.name().equals(state.spec())) {
            throw new IllegalArgumentException("state of " + state.spec() + " given for spec " + spec.name());
        }
    }

    private static void requirePositive(int limit) {
        if (limit < 1) {
            throw new OrchestratorException("firing list limit must be at least 1, got " + limit);
        }
    }

    private OrchestratorException missingState(String name) {
        return new OrchestratorException("refresh spec '" + name + "' has no trigger state in " + db.database()
                + "; remove and add it again");
    }
}
