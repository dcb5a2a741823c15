package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The metadata schema and its migrations. Version {@code n} is reached by running
 * {@code MIGRATIONS.get(n - 1)}; a migration, once released, is never edited, only followed by
 * a new one. The SQL stays within what SQLite and PostgreSQL both accept.
 *
 * <p>Instants are stored as fixed-width UTC text ({@link SqlTimes}), so they round-trip exactly
 * and sort as text.
 */
final class Schema {

    static final int CURRENT_VERSION = 1;

    private static final List<List<String>> MIGRATIONS = List.of(
            List.of(
                    """
                    CREATE TABLE model_versions (
                      name VARCHAR(200) NOT NULL,
                      version INTEGER NOT NULL,
                      snapshot_id VARCHAR(64) NOT NULL,
                      created_at VARCHAR(40) NOT NULL,
                      source TEXT,
                      PRIMARY KEY (name, version))""",
                    "CREATE INDEX model_versions_by_snapshot ON model_versions (name, snapshot_id)",
                    """
                    CREATE TABLE runs (
                      id VARCHAR(100) NOT NULL PRIMARY KEY,
                      kind VARCHAR(40) NOT NULL,
                      status VARCHAR(20) NOT NULL,
                      model_ref VARCHAR(220),
                      model_snapshot_id VARCHAR(64),
                      data_snapshot_id VARCHAR(64),
                      input_path TEXT,
                      output_path TEXT,
                      config_json TEXT,
                      code_version VARCHAR(200),
                      rows_in BIGINT NOT NULL,
                      rows_out BIGINT NOT NULL,
                      rows_rejected BIGINT NOT NULL,
                      rows_truncated BIGINT NOT NULL,
                      started_at VARCHAR(40) NOT NULL,
                      finished_at VARCHAR(40),
                      error TEXT)""",
                    "CREATE INDEX runs_by_start ON runs (started_at)"));

    private Schema() {
    }

    /**
     * Brings the database up to {@link #CURRENT_VERSION} in one transaction, so a crash or a
     * second process opening the same file at the same moment sees either the old schema or the
     * new one. An up-to-date database is only read. Refuses a database written by a newer
     * orchestrator.
     */
    static void migrate(Connection connection, String database) throws SQLException {
        if (hasVersionTable(connection)) {
            try (Statement statement = connection.createStatement()) {
                if (checkedVersion(statement, database) == CURRENT_VERSION) {
                    return;
                }
            }
        }
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY)");
            // read again inside the transaction: another process may have migrated meanwhile
            for (int next = checkedVersion(statement, database) + 1; next <= CURRENT_VERSION; next++) {
                for (String sql : MIGRATIONS.get(next - 1)) {
                    statement.execute(sql);
                }
                statement.execute("INSERT INTO schema_version (version) VALUES (" + next + ")");
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static boolean hasVersionTable(Connection connection) throws SQLException {
        try (ResultSet tables = connection.getMetaData().getTables(null, null, "schema_version", new String[] {"TABLE"})) {
            return tables.next();
        }
    }

    private static int checkedVersion(Statement statement, String database) throws SQLException {
        int version = currentVersion(statement);
        if (version > CURRENT_VERSION) {
            throw new OrchestratorException("metadata database " + database + " has schema version " + version
                    + ", newer than the " + CURRENT_VERSION + " this orchestrator understands; upgrade embedflow");
        }
        return version;
    }

    private static int currentVersion(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
