package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Model versions and run records in one embedded SQLite file (a server database later; the SQL
 * is kept to what PostgreSQL also accepts).
 *
 * <p>Contract: the schema is created or migrated on open. One JDBC connection per instance,
 * guarded by the instance lock, so an instance may be shared between threads; every call is one
 * statement or one transaction, blocking until done. Several processes may open the same file:
 * SQLite runs in WAL mode (readers never block the writer) and waits up to
 * {@link #BUSY_TIMEOUT_MILLIS} for another process's write lock before failing. The caller owns
 * the instance and closes it.
 *
 * <pre>{@code
 * try (MetadataStore metadata = MetadataStore.openSqlite(home.resolve("metadata.db"))) {
 *     metadata.insertRun(RunRecord.started(RunIds.newId(), "refresh", ...));
 * }
 * }</pre>
 */
public final class MetadataStore implements AutoCloseable {

    /** How long a write waits for another process's write lock. */
    public static final int BUSY_TIMEOUT_MILLIS = 10_000;
    /** Shortest run id prefix {@link #findRun} accepts. */
    public static final int MIN_RUN_ID_PREFIX = 4;

    private static final String SQLITE_PREFIX = "jdbc:sqlite:";
    private static final int AMBIGUOUS_MATCHES_SHOWN = 5;

    private static final String MODEL_COLUMNS = "name, version, snapshot_id, created_at, source";
    private static final String RUN_COLUMNS = "id, kind, status, model_ref, model_snapshot_id, data_snapshot_id, "
            + "input_path, output_path, config_json, code_version, rows_in, rows_out, rows_rejected, rows_truncated, "
            + "started_at, finished_at, error";

    private final Connection connection;
    private final String database;
    private boolean closed;

    private MetadataStore(Connection connection, String database) {
        this.connection = connection;
        this.database = database;
    }

    /** Opens (creating if needed, with its parent directories) the SQLite file {@code dbFile}. */
    public static MetadataStore openSqlite(Path dbFile) {
        Path file = dbFile.toAbsolutePath().normalize();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (IOException e) {
            throw new OrchestratorException("could not create the directory of metadata database " + file, e);
        }
        return open(SQLITE_PREFIX + file);
    }

    /** Opens the database at {@code jdbcUrl}; only {@code jdbc:sqlite:} URLs are supported for now. */
    public static MetadataStore open(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        String database = describe(jdbcUrl);
        if (!jdbcUrl.startsWith(SQLITE_PREFIX)) {
            throw new OrchestratorException("unsupported metadata database " + database + ": only jdbc:sqlite: URLs are supported");
        }
        Properties properties = new Properties();
        // sqlite-jdbc reads these as pragmas when the connection opens.
        properties.setProperty("busy_timeout", Integer.toString(BUSY_TIMEOUT_MILLIS));
        properties.setProperty("journal_mode", "WAL");
        // BEGIN IMMEDIATE takes the write lock up front, so a transaction waits for another
        // process instead of failing when it upgrades from reading to writing.
        properties.setProperty("transaction_mode", "IMMEDIATE");
        Connection connection = null;
        try {
            connection = DriverManager.getConnection(jdbcUrl, properties);
            Schema.migrate(connection, database);
            return new MetadataStore(connection, database);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection, e);
            if (e instanceof OrchestratorException oe) {
                throw oe;
            }
            throw new OrchestratorException("could not open metadata database " + database, e);
        }
    }

    /** Where this store lives, safe to log (no credentials). */
    public String database() {
        return database;
    }

    // ---- model versions ----

    /** Inserts {@code v}; fails if {@code name/version} already exists. */
    public synchronized void insertModelVersion(ModelVersion v) {
        if (!tryInsertModelVersion(v)) {
            throw new OrchestratorException("model version " + v.ref() + " already exists in " + database);
        }
    }

    /**
     * Inserts {@code v} unless {@code name/version} already exists; returns whether it was
     * inserted. Lets a caller that computed "latest + 1" detect a concurrent writer and retry.
     */
    public synchronized boolean tryInsertModelVersion(ModelVersion v) {
        Objects.requireNonNull(v, "v");
        String sql = "INSERT INTO model_versions (" + MODEL_COLUMNS + ") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
        try (PreparedStatement ps = prepare(sql)) {
            ps.setString(1, v.name());
            ps.setInt(2, v.version());
            ps.setString(3, v.snapshotId());
            ps.setString(4, SqlTimes.format(v.createdAt()));
            ps.setString(5, v.source());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw fail("could not insert model version " + v.ref(), e);
        }
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

    // ---- runs ----

    /** Inserts a new run; fails, naming the id, if a run with that id exists. */
    public synchronized void insertRun(RunRecord run) {
        Objects.requireNonNull(run, "run");
        String sql = "INSERT INTO runs (" + RUN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING";
        try (PreparedStatement ps = prepare(sql)) {
            ps.setString(1, run.id());
            bindRunFields(ps, 2, run);
            if (ps.executeUpdate() != 1) {
                throw new OrchestratorException("run " + run.id() + " already exists in " + database);
            }
        } catch (SQLException e) {
            throw fail("could not insert run " + run.id(), e);
        }
    }

    /** Replaces every field but the id of the run with {@code run.id()}; fails if there is none. */
    public synchronized void updateRun(RunRecord run) {
        Objects.requireNonNull(run, "run");
        String sql = "UPDATE runs SET kind = ?, status = ?, model_ref = ?, model_snapshot_id = ?, data_snapshot_id = ?, "
                + "input_path = ?, output_path = ?, config_json = ?, code_version = ?, rows_in = ?, rows_out = ?, "
                + "rows_rejected = ?, rows_truncated = ?, started_at = ?, finished_at = ?, error = ? WHERE id = ?";
        try (PreparedStatement ps = prepare(sql)) {
            int next = bindRunFields(ps, 1, run);
            ps.setString(next, run.id());
            if (ps.executeUpdate() != 1) {
                throw new OrchestratorException("run " + run.id() + " not found in " + database);
            }
        } catch (SQLException e) {
            throw fail("could not update run " + run.id(), e);
        }
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
        return queryRuns("ORDER BY started_at DESC, id DESC LIMIT ?", "runs", limit);
    }

    /** Closes the connection; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.close();
        } catch (SQLException e) {
            throw new OrchestratorException("could not close metadata database " + database + ": " + e.getMessage(), e);
        }
    }

    // ---- helpers ----

    private Optional<ModelVersion> firstModelVersion(String where, String what, Object... args) {
        return queryModelVersions(where + " LIMIT 1", what, args).stream().findFirst();
    }

    private List<ModelVersion> queryModelVersions(String tail, String what, Object... args) {
        try (PreparedStatement ps = prepare("SELECT " + MODEL_COLUMNS + " FROM model_versions " + tail)) {
            bind(ps, args);
            List<ModelVersion> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new ModelVersion(rs.getString(1), rs.getInt(2), rs.getString(3),
                            SqlTimes.parse(rs.getString(4)), rs.getString(5)));
                }
            }
            return result;
        } catch (SQLException e) {
            throw fail("could not read " + what, e);
        }
    }

    private List<RunRecord> queryRuns(String tail, String what, Object... args) {
        try (PreparedStatement ps = prepare("SELECT " + RUN_COLUMNS + " FROM runs " + tail)) {
            bind(ps, args);
            List<RunRecord> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(readRun(rs));
                }
            }
            return result;
        } catch (SQLException e) {
            throw fail("could not read " + what, e);
        }
    }

    private RunRecord readRun(ResultSet rs) throws SQLException {
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
                rs.getString(17));
    }

    /** Binds every run column but the id, starting at {@code index}; returns the next index. */
    private static int bindRunFields(PreparedStatement ps, int index, RunRecord run) throws SQLException {
        int i = index;
        ps.setString(i++, run.kind());
        ps.setString(i++, run.status().name());
        ps.setString(i++, run.modelRef());
        ps.setString(i++, run.modelSnapshotId());
        ps.setString(i++, run.dataSnapshotId());
        ps.setString(i++, run.inputPath());
        ps.setString(i++, run.outputPath());
        ps.setString(i++, run.configJson());
        ps.setString(i++, run.codeVersion());
        ps.setLong(i++, run.rowsIn());
        ps.setLong(i++, run.rowsOut());
        ps.setLong(i++, run.rowsRejected());
        ps.setLong(i++, run.rowsTruncated());
        ps.setString(i++, SqlTimes.format(run.startedAt()));
        ps.setString(i++, SqlTimes.format(run.finishedAt()));
        ps.setString(i++, run.error());
        return i;
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) args[i]);
            }
        }
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        if (closed) {
            throw new OrchestratorException("metadata database " + database + " is closed");
        }
        return connection.prepareStatement(sql);
    }

    private OrchestratorException fail(String action, SQLException e) {
        return new OrchestratorException(action + " in metadata database " + database + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The database's location for messages: no query string, no user or password. */
    static String describe(String jdbcUrl) {
        String location = jdbcUrl.startsWith(SQLITE_PREFIX) ? jdbcUrl.substring(SQLITE_PREFIX.length()) : jdbcUrl;
        int query = location.indexOf('?');
        if (query >= 0) {
            location = location.substring(0, query);
        }
        return location.replaceAll("//[^/@]*@", "//");
    }
}
