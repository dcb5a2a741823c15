package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings a metadata database to {@link #CURRENT_VERSION} with Flyway, from the SQL under
 * {@code db/migration/common} (shared by SQLite and PostgreSQL; add {@code db/migration/{vendor}}
 * to the locations the day a statement cannot be shared).
 *
 * <p>Observe, then act: the database's version is read first, without writing anything. A
 * database newer than this build is refused and left untouched; an up-to-date one is only read.
 * Otherwise, under a lock that spans processes (a lock file beside a SQLite database, an
 * advisory lock on PostgreSQL), the version is read again and Flyway migrates. A database from
 * before Flyway (a {@code schema_version} table at 1, no Flyway history) is baselined at version 1
 * and then migrated. Each migration is one transaction, so a crash leaves a version that the
 * next open continues from.
 */
final class Migrations {

    /** The newest schema version this build knows; the last {@code V<n>__*.sql} under db/migration. */
    static final int CURRENT_VERSION = 6;
    static final String HISTORY_TABLE = "flyway_schema_history";

    private static final String LOCATION = "classpath:db/migration/common";
    private static final String LEGACY_TABLE = "schema_version";
    private static final MigrationVersion CURRENT = MigrationVersion.fromVersion(Integer.toString(CURRENT_VERSION));
    /** A file lock is held per process, so threads of one process also queue here. */
    private static final ReentrantLock SQLITE_FILE_LOCKS = new ReentrantLock();
    private static final long ADVISORY_LOCK_SALT = 0x656d_6265_6466_6c6fL; // "embedflo"

    private Migrations() {
    }

    /**
     * Switches a SQLite database to WAL. The switch needs the database to itself and SQLite does not wait
     * for that (the busy timeout does not apply), so processes opening a fresh database at once retry
     * until one of them made the switch, within {@link MetadataStore#BUSY_TIMEOUT_MILLIS}.
     */
    private static void useWriteAheadLog(Connection connection) throws SQLException {
        long deadline = System.nanoTime() + MetadataStore.BUSY_TIMEOUT_MILLIS * 1_000_000L;
        while (true) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode=WAL");
                return;
            } catch (SQLException e) {
                boolean busy = e.getMessage() != null && e.getMessage().contains("SQLITE_BUSY");
                if (!busy || System.nanoTime() > deadline) {
                    throw e;
                }
                if (inWriteAheadLog(connection)) {
                    return;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static boolean inWriteAheadLog(Connection connection) {
        try (Statement statement = connection.createStatement();
                java.sql.ResultSet mode = statement.executeQuery("PRAGMA journal_mode")) {
            return mode.next() && "wal".equalsIgnoreCase(mode.getString(1));
        } catch (SQLException e) {
            return false;
        }
    }

    /** Migrates the database behind {@code connection}, an autocommit connection, as described above. */
    static void migrate(Connection connection, DatabaseUrl url) throws SQLException {
        if (checkedState(connection, url).isCurrent()) {
            return;
        }
        if (url.vendor() == DatabaseUrl.Vendor.SQLITE) {
            // after the check: a database we refuse is not touched, not even its journal mode
            useWriteAheadLog(connection);
        }
        try (AutoCloseable lock = lock(connection, url)) {
            State state = checkedState(connection, url);
            if (state.isCurrent()) {
                return;
            }
            MigrateResult result = flyway(connection, url, state.isLegacy()).migrate();
            if (!CURRENT.getVersion().equals(result.targetSchemaVersion)) {
                throw new OrchestratorException("metadata database " + url.description() + " was migrated to schema version "
                        + result.targetSchemaVersion + ", but this embedflow expects " + CURRENT_VERSION
                        + "; a migration on the classpath does not belong to this build");
            }
        } catch (FlywayException e) {
            throw url.failure("could not migrate the schema of metadata database", e);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw url.failure("could not migrate the schema of metadata database", e);
        }
    }

    private static Flyway flyway(Connection connection, DatabaseUrl url, boolean baseline) {
        DataSource dataSource = url.vendor() == DatabaseUrl.Vendor.SQLITE
                // one connection: an in-memory database exists only inside it, and it carries our pragmas
                ? new ConnectionSource(() -> unclosable(connection))
                : new ConnectionSource(() -> MetadataStore.connect(url));
        return Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .baselineOnMigrate(baseline)
                .baselineVersion("1")
                .baselineDescription("schema created before Flyway")
                .cleanDisabled(true)
                .placeholderReplacement(false)
                .validateMigrationNaming(true)
                .load();
    }

    private static State checkedState(Connection connection, DatabaseUrl url) throws SQLException {
        State state = State.read(connection);
        MigrationVersion found = state.version();
        if (found != null && found.compareTo(CURRENT) > 0) {
            throw new OrchestratorException("metadata database " + url.description() + " has schema version "
                    + found.getVersion() + ", newer than this embedflow (" + CURRENT_VERSION + "); upgrade embedflow");
        }
        if (state.history() == null && state.legacy() != null && state.legacy() < 1) {
            throw new OrchestratorException("metadata database " + url.description() + " has an empty " + LEGACY_TABLE
                    + " table and no Flyway history; it was not created by embedflow, or is damaged");
        }
        return state;
    }

    /**
     * What the database says about its schema: the highest version Flyway applied (null without
     * a history table), whether any Flyway migration failed, and the pre-Flyway version (null
     * without a {@code schema_version} table).
     */
    private record State(MigrationVersion history, boolean failed, Integer legacy) {

        static State read(Connection connection) throws SQLException {
            MigrationVersion history = null;
            boolean failed = false;
            if (tableExists(connection, HISTORY_TABLE)) {
                try (Statement s = connection.createStatement();
                        ResultSet rs = s.executeQuery("SELECT version, success FROM " + HISTORY_TABLE + " WHERE version IS NOT NULL")) {
                    while (rs.next()) {
                        if (!rs.getBoolean(2)) {
                            failed = true;
                            continue;
                        }
                        MigrationVersion v = MigrationVersion.fromVersion(rs.getString(1));
                        history = history == null || v.compareTo(history) > 0 ? v : history;
                    }
                }
            }
            Integer legacy = null;
            if (tableExists(connection, LEGACY_TABLE)) {
                try (Statement s = connection.createStatement();
                        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + LEGACY_TABLE)) {
                    legacy = rs.next() ? rs.getInt(1) : 0;
                }
            }
            return new State(history, failed, legacy);
        }

        /** The schema's version: Flyway's when it has a history, else the pre-Flyway table's. */
        MigrationVersion version() {
            if (history != null) {
                return history;
            }
            return legacy == null ? null : MigrationVersion.fromVersion(Integer.toString(legacy));
        }

        boolean isCurrent() {
            return !failed && history != null && history.compareTo(CURRENT) == 0;
        }

        /** Made by the orchestrator before it used Flyway: baseline it at 1. */
        boolean isLegacy() {
            return history == null && legacy != null && legacy == 1;
        }
    }

    private static boolean tableExists(Connection connection, String table) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String escape = meta.getSearchStringEscape();
        String pattern = escape == null || escape.isEmpty() ? table : table.replace("_", escape + "_");
        try (ResultSet tables = meta.getTables(null, connection.getSchema(), pattern, new String[] {"TABLE"})) {
            while (tables.next()) {
                if (tables.getString("TABLE_NAME").equalsIgnoreCase(table)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Excludes other migrators of the same database, in this process and in others, until closed. */
    private static AutoCloseable lock(Connection connection, DatabaseUrl url) throws SQLException {
        if (url.vendor() == DatabaseUrl.Vendor.POSTGRESQL) {
            long key = ADVISORY_LOCK_SALT ^ String.valueOf(connection.getSchema()).hashCode();
            advisory(connection, "SELECT pg_advisory_lock(?)", key);
            return () -> advisory(connection, "SELECT pg_advisory_unlock(?)", key);
        }
        Path file = url.sqliteFile();
        if (file == null) {
            return () -> { };
        }
        // SQLite's own locks cannot span Flyway's transactions, and closing any descriptor of the
        // database file would drop them (POSIX), so the lock lives in a file of its own.
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        SQLITE_FILE_LOCKS.lock();
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                channel.lock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return () -> {
                try {
                    channel.close();
                } finally {
                    SQLITE_FILE_LOCKS.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            SQLITE_FILE_LOCKS.unlock();
            throw url.failure("could not lock " + lockFile + " to migrate metadata database", e);
        }
    }

    private static void advisory(Connection connection, String sql, long key) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, key);
            ps.execute();
        }
    }

    /** {@code connection} with {@code close()} a no-op, so Flyway can borrow it. */
    private static Connection unclosable(Connection connection) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        return null;
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @FunctionalInterface
    private interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /** The least of a {@link DataSource} Flyway needs: connections from a factory. */
    private static final class ConnectionSource implements DataSource {

        private final ConnectionFactory factory;

        ConnectionSource(ConnectionFactory factory) {
            this.factory = factory;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return factory.open();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("credentials come from the metadata database URL");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
