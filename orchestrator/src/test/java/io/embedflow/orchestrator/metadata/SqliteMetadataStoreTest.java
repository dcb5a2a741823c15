package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata contract on SQLite files, plus what only a file can show: WAL, upgrades in place, untouched bytes. */
class SqliteMetadataStoreTest extends MetadataStoreContract {

    @TempDir
    Path tmp;

    private final AtomicInteger databases = new AtomicInteger();

    @Override
    String newDatabaseUrl() {
        return "jdbc:sqlite:" + tmp.resolve("metadata-" + databases.incrementAndGet() + ".db");
    }

    @Test
    void createsParentDirectoriesAndUsesWal() throws Exception {
        Path dbFile = tmp.resolve("nested/dir/metadata.db");
        try (MetadataStore s = MetadataStore.openSqlite(dbFile)) {
            assertThat(s.database()).isEqualTo(dbFile.toString());
        }
        assertThat(dbFile).exists();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void inMemoryDatabaseWorksForTests() {
        try (MetadataStore memory = MetadataStore.open("jdbc:sqlite::memory:")) {
            memory.insertRun(run("r-mem", T0));
            memory.insertModelVersion(new ModelVersion("m", 1, SNAPSHOT_A, T0, null));
            memory.moveAlias("m", "prod", 1, null, "alice", null, null);
            assertThat(memory.findRun("r-mem")).isPresent();
            assertThat(memory.findAlias("m", "prod")).isPresent();
            assertThat(memory.database()).isEqualTo(":memory:");
        }
    }

    @Test
    void upgradesADatabaseFromBeforeFlywayInPlaceKeepingItsData() throws Exception {
        Path legacy = tmp.resolve("legacy.db");
        LegacyDatabase.create(legacy);

        try (MetadataStore s = MetadataStore.openSqlite(legacy, clock)) {
            assertThat(s.findModelVersion("starter", 1)).map(ModelVersion::source).contains("/models/starter");
            RunRecord run = s.findRun("r-20261129-005012-3f9a1c").orElseThrow();
            assertThat(run.rowsOut()).isEqualTo(9);
            assertThat(run.configKey()).isNull();
            assertThat(run.replayOf()).isNull();

            s.moveAlias("starter", "production", 1, null, "alice", "upgrade", null);
            s.saveDataSnapshot("d1", "/in", "[]");
            s.updateRun(run.withConfigKey("k").withReplayOf("r-0"));
            assertThat(s.latestSucceededRun("refresh", SNAPSHOT_A, SNAPSHOT_B, "k")).map(RunRecord::id).contains(run.id());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT version || ':' || type FROM " + Migrations.HISTORY_TABLE + " ORDER BY installed_rank"))
                    .containsExactly("1:BASELINE", "2:SQL", "3:SQL", "4:SQL", "5:SQL", "6:SQL");
            assertThat(ints(s, "SELECT MAX(version) FROM schema_version")).containsExactly(2);
            assertThat(strings(s, "PRAGMA integrity_check")).containsExactly("ok");
        }
        try (MetadataStore s = MetadataStore.openSqlite(legacy, clock)) {
            assertThat(s.findAlias("starter", "production")).isPresent();
        }
    }

    @Test
    void anUpgradeCutShortAfterTheBaselineIsFinishedByTheNextOpen() throws Exception {
        Path legacy = tmp.resolve("legacy.db");
        LegacyDatabase.create(legacy);
        Flyway.configure().dataSource("jdbc:sqlite:" + legacy, null, null).locations("classpath:db/migration/common")
                .baselineVersion("1").load().baseline();

        try (MetadataStore s = MetadataStore.openSqlite(legacy, clock)) {
            s.moveAlias("starter", "production", 1, null, "alice", null, null);
            assertThat(s.findRun("r-20261129-005012-3f9a1c")).isPresent();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT version || ':' || type FROM " + Migrations.HISTORY_TABLE + " ORDER BY installed_rank"))
                    .containsExactly("1:BASELINE", "2:SQL", "3:SQL", "4:SQL", "5:SQL", "6:SQL");
        }
    }

    @Test
    void severalThreadsUpgradingOneOldDatabaseAtOnceUpgradeItOnce() throws Exception {
        Path legacy = tmp.resolve("legacy.db");
        LegacyDatabase.create(legacy);
        int openers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        try {
            List<Future<MetadataStore>> opened = new ArrayList<>();
            for (int i = 0; i < openers; i++) {
                opened.add(pool.submit(() -> MetadataStore.openSqlite(legacy, clock)));
            }
            for (Future<MetadataStore> f : opened) {
                try (MetadataStore s = f.get(60, TimeUnit.SECONDS)) {
                    assertThat(s.findModelVersion("starter", 1)).isPresent();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy); Statement s = c.createStatement()) {
            assertThat(ints(s, "SELECT COUNT(*) FROM " + Migrations.HISTORY_TABLE)).containsExactly(Migrations.CURRENT_VERSION);
        }
    }

    @Test
    void aNewerDatabaseFileIsRefusedWithItsBytesUnchanged() throws Exception {
        Path file = tmp.resolve("newer.db");
        MetadataStore.openSqlite(file).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + Migrations.HISTORY_TABLE + " (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, installed_on, execution_time, success) VALUES (10, '7', 'from the future', "
                    + "'SQL', 'V7__from_the_future.sql', 0, 'tomorrow', CURRENT_TIMESTAMP, 1, TRUE)");
        }
        byte[] before = Files.readAllBytes(file);
        List<Path> filesBefore = listing();

        assertThatThrownBy(() -> MetadataStore.openSqlite(file))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("metadata database " + file + " has schema version 7, newer than this embedflow (6); upgrade embedflow");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(listing()).isEqualTo(filesBefore);
    }

    @Test
    void aDatabaseFromBeforeFlywayThatSaysItIsNewerIsRefusedUntouched() throws Exception {
        Path legacy = tmp.resolve("legacy.db");
        LegacyDatabase.create(legacy);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy); Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version (version) VALUES (7)");
        }
        byte[] before = Files.readAllBytes(legacy);

        assertThatThrownBy(() -> MetadataStore.openSqlite(legacy))
                .hasMessageContaining("has schema version 7, newer than this embedflow (6)");
        assertThat(Files.readAllBytes(legacy)).isEqualTo(before);
    }

    @Test
    void aDatabaseOfSomethingElseIsRefusedUntouched() throws Exception {
        Path foreign = tmp.resolve("foreign.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
        }
        byte[] before = Files.readAllBytes(foreign);

        assertThatThrownBy(() -> MetadataStore.openSqlite(foreign))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("could not migrate the schema of metadata database " + foreign)
                .hasMessageContaining("no schema history table");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT name FROM sqlite_master WHERE type = 'table'")).containsExactly("invoices");
        }
        assertThat(before).isNotEmpty();
    }

    @Test
    void rejectsUnsupportedUrlsWithoutEchoingCredentials() {
        assertThatThrownBy(() -> MetadataStore.open("jdbc:mysql://bob:secret@db:3306/meta?password=secret"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("unsupported metadata database jdbc:mysql://db:3306/meta: use a jdbc:sqlite: or jdbc:postgresql:// URL");
    }

    private List<Path> listing() throws Exception {
        try (var files = Files.list(tmp)) {
            return files.sorted().toList();
        }
    }

    static List<String> strings(Statement s, String sql) throws Exception {
        List<String> result = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.add(rs.getString(1));
            }
        }
        return result;
    }
}
