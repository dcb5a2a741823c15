package io.embedflow.orchestrator.metadata;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** Makes a metadata database exactly as the orchestrator did before it used Flyway. */
final class LegacyDatabase {

    /** The hand-written schema version 1, verbatim from the old {@code Schema} class. */
    private static final String[] SCHEMA_1 = {
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
        "CREATE INDEX runs_by_start ON runs (started_at)"};

    private LegacyDatabase() {
    }

    /** Creates {@code file} with the old code's connection settings and schema, plus one model version and one run. */
    static void create(Path file) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("busy_timeout", "10000");
        properties.setProperty("journal_mode", "WAL");
        properties.setProperty("transaction_mode", "IMMEDIATE");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, properties)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY)");
                for (String sql : SCHEMA_1) {
                    s.execute(sql);
                }
                s.execute("INSERT INTO schema_version (version) VALUES (1)");
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO model_versions (name, version, snapshot_id, created_at, source) VALUES "
                        + "('starter', 1, '" + "a".repeat(64) + "', '2026-11-29T00:50:12.123456789Z', '/models/starter')");
                s.execute("INSERT INTO runs (id, kind, status, model_ref, model_snapshot_id, data_snapshot_id, input_path, "
                        + "output_path, config_json, code_version, rows_in, rows_out, rows_rejected, rows_truncated, "
                        + "started_at, finished_at, error) VALUES ('r-20261129-005012-3f9a1c', 'refresh', 'SUCCEEDED', "
                        + "'starter/1', '" + "a".repeat(64) + "', '" + "b".repeat(64) + "', '/in', '/out', '{}', 'dev', "
                        + "10, 9, 1, 0, '2026-11-29T00:50:12.123456789Z', '2026-11-29T00:50:14.000000000Z', NULL)");
            }
        }
    }
}
