package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.queue.FairShare;
import io.embedflow.orchestrator.queue.RunQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Model versions, aliases, run records, data snapshots and lineage, in an embedded SQLite file or
 * a PostgreSQL database (the same SQL on both).
 *
 * <p>Contract: the schema is migrated on open (see {@link Migrations}); a database written by a
 * newer embedflow is refused and left untouched. One JDBC connection per instance, guarded by the
 * instance lock, so an instance may be shared between threads; every call is one statement or
 * one transaction, blocking until done. Several processes may use one database at once: SQLite
 * runs in WAL mode (readers never block the writer), takes the write lock at the start of each
 * transaction and waits up to {@link #BUSY_TIMEOUT_MILLIS} for another process's; on PostgreSQL
 * an alias move that lost a race is retried on the new state. Opening a SQLite file that needs
 * migrating takes a lock on {@code FILE.lock} beside it (left in place). The caller owns the
 * instance and closes it. A URL's password never appears in {@link #database()} or in an
 * exception.
 *
 * <pre>{@code
 * try (MetadataStore metadata = MetadataStore.openSqlite(home.resolve("metadata.db"))) {
 *     metadata.insertRun(RunRecord.started(RunIds.newId(), "refresh", ...));
 *     metadata.moveAlias("minilm", "production", 3, 2, "alice", "eval passed", null);
 * }
 * }</pre>
 */
public final class MetadataStore implements AutoCloseable {

    /** How long a write waits for another process's write lock (SQLite). */
    public static final int BUSY_TIMEOUT_MILLIS = 10_000;
    /** How long opening a PostgreSQL connection may take. */
    public static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** Shortest run id prefix {@link #findRun} accepts. */
    public static final int MIN_RUN_ID_PREFIX = 4;

    private static final int AMBIGUOUS_MATCHES_SHOWN = 5;
    private static final String MODEL_COLUMNS = "name, version, snapshot_id, created_at, source";
    private static final String NEWEST_RUNS_FIRST = " ORDER BY started_at DESC, id DESC";

    private final Db db;
    private final Aliases aliases;
    private final SpecTables specs;
    private final Clock clock;

    private MetadataStore(Db db, Clock clock) {
        this.db = db;
        this.aliases = new Aliases(db, clock);
        this.specs = new SpecTables(db, this);
        this.clock = clock;
    }

    /** Opens (creating if needed, with its parent directories) the SQLite file {@code dbFile}. */
    public static MetadataStore openSqlite(Path dbFile) {
        return openSqlite(dbFile, Clock.systemUTC());
    }

    /** As {@link #openSqlite(Path)}, stamping alias moves and data snapshots with {@code clock}. */
    public static MetadataStore openSqlite(Path dbFile, Clock clock) {
        Path file = dbFile.toAbsolutePath().normalize();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (IOException e) {
            throw new OrchestratorException("could not create the directory of metadata database " + file, e);
        }
        return open("jdbc:sqlite:" + file, clock);
    }

    /**
     * Opens the database at {@code jdbcUrl}: {@code jdbc:sqlite:FILE} (or {@code :memory:}), or
     * {@code jdbc:postgresql://HOST[:PORT]/DB} with the user and password as {@code user=} and
     * {@code password=} parameters or as {@code USER:PASSWORD@HOST} ({@code postgresql://} and
     * {@code postgres://} URLs are accepted too).
     */
    public static MetadataStore open(String jdbcUrl) {
        return open(jdbcUrl, Clock.systemUTC());
    }

    /** As {@link #open(String)}, stamping alias moves and data snapshots with {@code clock}. */
    public static MetadataStore open(String jdbcUrl, Clock clock) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(clock, "clock");
        DatabaseUrl url = DatabaseUrl.parse(jdbcUrl);
        Connection connection = null;
        try {
            connection = connect(url);
            Migrations.migrate(connection, url);
            return new MetadataStore(new Db(connection, url), clock);
        } catch (SQLException | RuntimeException e) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
            }
            if (e instanceof OrchestratorException oe && url.scrub(oe) == oe) {
                throw oe;
            }
            throw url.failure("could not open metadata database", e);
        }
    }

    /** A new connection to {@code url} with the store's settings. */
    static Connection connect(DatabaseUrl url) throws SQLException {
        Properties defaults = new Properties();
        if (url.vendor() == DatabaseUrl.Vendor.SQLITE) {
            // sqlite-jdbc reads these as pragmas when the connection opens
            defaults.setProperty("busy_timeout", Integer.toString(BUSY_TIMEOUT_MILLIS));
            defaults.setProperty("foreign_keys", "true");
            // BEGIN IMMEDIATE takes the write lock up front, so a transaction waits for another
            // process instead of failing when it upgrades from reading to writing
            defaults.setProperty("transaction_mode", "IMMEDIATE");
        } else {
            defaults.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
            defaults.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
            defaults.setProperty("ApplicationName", "embedflow");
        }
        return DriverManager.getConnection(url.connectUrl(), url.connectionProperties(defaults));
    }

    /** Where this store lives, safe to log (no credentials). */
    public String database() {
        return db.database();
    }

    // ---- model versions ----

    /** Inserts {@code v}; fails if {@code name/version} already exists. */
    public synchronized void insertModelVersion(ModelVersion v) {
        if (!tryInsertModelVersion(v)) {
            throw new OrchestratorException("model version " + v.ref() + " already exists in " + database());
        }
    }

    /**
     * Inserts {@code v} unless {@code name/version} already exists; returns whether it was
     * inserted. Lets a caller that computed "latest + 1" detect a concurrent writer and retry.
     */
    public synchronized boolean tryInsertModelVersion(ModelVersion v) {
        Objects.requireNonNull(v, "v");
        return db.update("could not insert model version " + v.ref(),
                "INSERT INTO model_versions (" + MODEL_COLUMNS + ") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                v.name(), v.version(), v.snapshotId(), SqlTimes.format(v.createdAt()), v.source()) == 1;
    }

    public synchronized Optional<ModelVersion> findModelVersion(String name, int version) {
        return firstModelVersion("WHERE name = ? AND version = ?", "model version " + name + "/" + version, name, version);
    }

    public synchronized Optional<ModelVersion> latestModelVersion(String name) {
        return firstModelVersion("WHERE name = ? ORDER BY version DESC", "latest version of model " + name, name);
    }

    /** The lowest version of {@code name} that points at {@code snapshotId}, if any. */
    public synchronized Optional<ModelVersion> findModelVersionBySnapshot(String name, String snapshotId) {
        return firstModelVersion("WHERE name = ? AND snapshot_id = ? ORDER BY version",
                "version of model " + name + " with snapshot " + snapshotId, name, snapshotId);
    }

    /** All versions of all models, by name, then version. */
    public synchronized List<ModelVersion> listModelVersions() {
        return queryModelVersions("ORDER BY name, version", "model versions");
    }

    /** All versions of {@code name}, oldest first; empty for an unknown name. */
    public synchronized List<ModelVersion> listModelVersions(String name) {
        return queryModelVersions("WHERE name = ? ORDER BY version", "versions of model " + name, name);
    }

    // ---- aliases ----

    /** Where {@code name@alias} points now, if it exists. */
    public synchronized Optional<Alias> findAlias(String name, String alias) {
        return aliases.find(name, alias);
    }

    /** The aliases of model {@code name}, by alias. */
    public synchronized List<Alias> listAliases(String name) {
        return aliases.list(name);
    }

    /** The aliases pointing at {@code name/version}, by alias. */
    public synchronized List<Alias> aliasesOfVersion(String name, int version) {
        return aliases.ofVersion(name, version);
    }

    /**
     * Moves (or creates) an alias and records the move, in one transaction. If {@code
     * expectedFromVersion} is non-null and the alias currently points elsewhere (or does not
     * exist), nothing changes and an {@link OrchestratorException} says where it points now:
     * compare-and-set for concurrent movers. {@code toVersion} must exist. A move to the version
     * the alias already points at is recorded like any other.
     *
     * @param actor who moves it, never blank
     * @param reason why; may be null
     * @param detailsJson a JSON document (gate results etc.); may be null
     * @return the recorded move
     */
    public synchronized AliasMove moveAlias(String name, String alias, int toVersion, Integer expectedFromVersion,
            String actor, String reason, String detailsJson) {
        return aliases.move(name, alias, toVersion, expectedFromVersion, actor, reason, detailsJson);
    }

    /** Deletes {@code name@alias}, which must exist, and records the move; returns it. */
    public synchronized AliasMove deleteAlias(String name, String alias, String actor, String reason) {
        return aliases.delete(name, alias, actor, reason);
    }

    /** The moves of {@code name@alias}, or of every alias of {@code name} when {@code alias} is null; oldest first. */
    public synchronized List<AliasMove> aliasHistory(String name, String alias) {
        return aliases.history(name, alias);
    }

    // ---- refresh specs ----

    /** The refresh specs, their trigger state and the trigger log; calls hold this store's lock. */
    public SpecTables specs() {
        return specs;
    }

    // ---- data snapshots ----

    /**
     * Records a data snapshot; a snapshot with this id already recorded is left as it is (ids are
     * content hashes, so the first record stands). {@code filesJson} must be a JSON document.
     */
    public synchronized void saveDataSnapshot(String id, String root, String filesJson) {
        StoredDataSnapshot snapshot = new StoredDataSnapshot(id, root, filesJson, clock.instant());
        JsonText.requireValid(filesJson, "the file list of data snapshot " + id);
        db.update("could not save data snapshot " + id,
                "INSERT INTO data_snapshots (id, root, files_json, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                snapshot.id(), snapshot.root(), snapshot.filesJson(), SqlTimes.format(snapshot.createdAt()));
    }

    public synchronized Optional<StoredDataSnapshot> findDataSnapshot(String id) {
        return db.first("data snapshot " + id, "SELECT id, root, files_json, created_at FROM data_snapshots WHERE id = ?",
                rs -> new StoredDataSnapshot(rs.getString(1), rs.getString(2), rs.getString(3), SqlTimes.parse(rs.getString(4))),
                id);
    }

    // ---- run metrics ----

    /** Stores (or replaces) what run {@code runId} measured, as a JSON object. */
    public synchronized void saveRunMetrics(String runId, String metricsJson) {
        JsonText.requireValid(metricsJson, "the metrics of run " + runId);
        db.update("could not save the metrics of run " + runId, "DELETE FROM run_metrics WHERE run_id = ?", runId);
        db.update("could not save the metrics of run " + runId,
                "INSERT INTO run_metrics (run_id, metrics_json) VALUES (?, ?)", runId, metricsJson);
    }

    public synchronized Optional<String> findRunMetrics(String runId) {
        return db.first("metrics of run " + runId, "SELECT metrics_json FROM run_metrics WHERE run_id = ?",
                rs -> rs.getString(1), runId);
    }

    // ---- run queue ----

    /**
     * The run queue in this database, checking and admitting requests with {@code share} and
     * leasing admitted ones for {@code leaseTtl}; see {@link RunQueue}. A cheap view over this
     * store's connection (take a new one when the capacity or the tenants change); it is closed
     * with the store.
     */
    public RunQueue runQueue(FairShare share, Duration leaseTtl) {
        return new RunQueueTable(db, this, share, leaseTtl);
    }

    // ---- runs ----

    /** Inserts a new run; fails, naming the id, if a run with that id exists. */
    public synchronized void insertRun(RunRecord run) {
        Objects.requireNonNull(run, "run");
        List<Object> args = new ArrayList<>();
        args.add(run.id());
        Collections.addAll(args, RunRows.fields(run));
        String sql = "INSERT INTO runs (" + RunRows.COLUMNS + ") VALUES (?" + ", ?".repeat(RunRows.COLUMN_COUNT - 1)
                + ") ON CONFLICT DO NOTHING";
        if (db.update("could not insert run " + run.id(), sql, args.toArray()) != 1) {
            throw new OrchestratorException("run " + run.id() + " already exists in " + database());
        }
    }

    /** Replaces every field but the id of the run with {@code run.id()}; fails if there is none. */
    public synchronized void updateRun(RunRecord run) {
        Objects.requireNonNull(run, "run");
        List<Object> args = new ArrayList<>();
        Collections.addAll(args, RunRows.fields(run));
        args.add(run.id());
        if (db.update("could not update run " + run.id(), "UPDATE runs SET " + RunRows.ASSIGNMENTS + " WHERE id = ?",
                args.toArray()) != 1) {
            throw new OrchestratorException("run " + run.id() + " not found in " + database());
        }
    }

    /**
     * Records that running run {@code runId} has done {@code rowsDone} rows so far (embedded or
     * rejected), as its {@link RunRecord#rowsOut()}, for those watching it. Touches nothing else, and
     * nothing once the run ended: a progress report racing the run's end never undoes it.
     *
     * @return whether the run was still running
     */
    public synchronized boolean recordRunProgress(String runId, long rowsDone) {
        Objects.requireNonNull(runId, "runId");
        if (rowsDone < 0) {
            throw new OrchestratorException("run " + runId + " cannot have done " + rowsDone + " rows");
        }
        return db.update("could not record the progress of run " + runId,
                "UPDATE runs SET rows_out = ? WHERE id = ? AND status = ?", rowsDone, runId, RunStatus.RUNNING.name()) == 1;
    }

    /**
     * The run with id {@code idOrPrefix}, or else the one run whose id starts with it (at least
     * {@value #MIN_RUN_ID_PREFIX} characters). A prefix matching several runs is an error that
     * names some of them.
     */
    public synchronized Optional<RunRecord> findRun(String idOrPrefix) {
        Objects.requireNonNull(idOrPrefix, "idOrPrefix");
        List<RunRecord> exact = queryRuns("WHERE id = ?", "run " + idOrPrefix, idOrPrefix);
        if (!exact.isEmpty() || idOrPrefix.length() < MIN_RUN_ID_PREFIX) {
            return exact.stream().findFirst();
        }
        List<RunRecord> matches = queryRuns("WHERE SUBSTR(id, 1, ?) = ? ORDER BY id LIMIT " + (AMBIGUOUS_MATCHES_SHOWN + 1),
                "runs with id prefix " + idOrPrefix, idOrPrefix.length(), idOrPrefix);
        if (matches.size() > 1) {
            StringBuilder ids = new StringBuilder();
            for (int i = 0; i < Math.min(matches.size(), AMBIGUOUS_MATCHES_SHOWN); i++) {
                ids.append(i == 0 ? "" : ", ").append(matches.get(i).id());
            }
            throw new OrchestratorException("run id prefix '" + idOrPrefix + "' is ambiguous: it matches " + ids
                    + (matches.size() > AMBIGUOUS_MATCHES_SHOWN ? " and more" : ""));
        }
        return matches.stream().findFirst();
    }

    /** At most {@code limit} runs, newest start first. */
    public synchronized List<RunRecord> listRuns(int limit) {
        if (limit < 1) {
            throw new OrchestratorException("run list limit must be at least 1, got " + limit);
        }
        return queryRuns(NEWEST_RUNS_FIRST + " LIMIT ?", "runs", limit);
    }

    /** The runs of run queue request {@code requestId} (one per attempt), newest start first. */
    public synchronized List<RunRecord> runsOfQueueRequest(long requestId) {
        return queryRuns("WHERE queue_request = ?" + NEWEST_RUNS_FIRST, "runs of run queue request " + requestId, requestId);
    }

    /** At most {@code limit} runs of refresh spec {@code spec}, newest start first. */
    public synchronized List<RunRecord> runsOfSpec(String spec, int limit) {
        if (limit < 1) {
            throw new OrchestratorException("run list limit must be at least 1, got " + limit);
        }
        return queryRuns("WHERE spec_name = ?" + NEWEST_RUNS_FIRST + " LIMIT ?", "runs of refresh spec " + spec, spec, limit);
    }

    /**
     * How many runs there are of one kind in one status.
     *
     * @param kind e.g. {@code refresh}, {@code train}, {@code infer}, {@code eval}
     */
    public record RunCount(String kind, RunStatus status, long runs) {
    }

    /** The number of runs of each kind and status that has any, ordered by kind and status: one grouped query. */
    public synchronized List<RunCount> countRuns() {
        return db.query("run counts", "SELECT kind, status, COUNT(*) FROM runs GROUP BY kind, status ORDER BY kind, status",
                rs -> {
                    String status = rs.getString(2);
                    try {
                        return new RunCount(rs.getString(1), RunStatus.valueOf(status), rs.getLong(3));
                    } catch (IllegalArgumentException e) {
                        throw new OrchestratorException("runs in " + database() + " have unknown status '" + status + "'", e);
                    }
                });
    }

    // ---- lineage ----

    /** The runs that used model snapshot {@code modelSnapshotId}, newest start first. */
    public synchronized List<RunRecord> runsByModelSnapshot(String modelSnapshotId) {
        return queryRuns("WHERE model_snapshot_id = ?" + NEWEST_RUNS_FIRST, "runs of model snapshot " + modelSnapshotId,
                modelSnapshotId);
    }

    /** The runs that wrote to {@code outputPath} (as recorded, compared exactly), newest start first. */
    public synchronized List<RunRecord> runsByOutput(String outputPath) {
        return queryRuns("WHERE output_path = ?" + NEWEST_RUNS_FIRST, "runs writing " + outputPath, outputPath);
    }

    /**
     * The newest succeeded run of {@code kind} with exactly these model snapshot, data snapshot and
     * config key: the run whose output a new run with the same ingredients would reproduce. A
     * null argument matches only runs where that field is null.
     */
    public synchronized Optional<RunRecord> latestSucceededRun(String kind, String modelSnapshotId, String dataSnapshotId,
            String configKey) {
        Objects.requireNonNull(kind, "kind");
        List<Object> args = new ArrayList<>(List.of(kind, RunStatus.SUCCEEDED.name()));
        StringBuilder where = new StringBuilder("WHERE kind = ? AND status = ?");
        String[] columns = {"model_snapshot_id", "data_snapshot_id", "config_key"};
        String[] values = {modelSnapshotId, dataSnapshotId, configKey};
        for (int i = 0; i < columns.length; i++) {
            where.append(" AND ").append(columns[i]).append(values[i] == null ? " IS NULL" : " = ?");
            if (values[i] != null) {
                args.add(values[i]);
            }
        }
        return queryRuns(where + NEWEST_RUNS_FIRST + " LIMIT 1", "latest succeeded " + kind + " run", args.toArray())
                .stream().findFirst();
    }

    /** Every model snapshot id named by a model version or a run: what snapshot garbage collection must keep. */
    public synchronized Set<String> referencedModelSnapshots() {
        return Collections.unmodifiableSet(new TreeSet<>(db.query("referenced model snapshots",
                "SELECT snapshot_id FROM model_versions UNION "
                        + "SELECT model_snapshot_id FROM runs WHERE model_snapshot_id IS NOT NULL",
                rs -> rs.getString(1))));
    }

    /** Closes the connection; idempotent. */
    @Override
    public synchronized void close() {
        db.close();
    }

    // ---- helpers ----

    private Optional<ModelVersion> firstModelVersion(String where, String what, Object... args) {
        return queryModelVersions(where + " LIMIT 1", what, args).stream().findFirst();
    }

    private List<ModelVersion> queryModelVersions(String tail, String what, Object... args) {
        return db.query(what, "SELECT " + MODEL_COLUMNS + " FROM model_versions " + tail,
                rs -> new ModelVersion(rs.getString(1), rs.getInt(2), rs.getString(3), SqlTimes.parse(rs.getString(4)),
                        rs.getString(5)),
                args);
    }

    private List<RunRecord> queryRuns(String tail, String what, Object... args) {
        return db.query(what, "SELECT " + RunRows.COLUMNS + " FROM runs " + tail, rs -> RunRows.read(rs, database()), args);
    }
}
