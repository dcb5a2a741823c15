package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {

    private static final String SNAPSHOT_A = "a".repeat(64);
    private static final String SNAPSHOT_B = "b".repeat(64);
    private static final Instant T0 = Instant.parse("2026-11-29T00:50:12.123456789Z");

    @TempDir
    Path tmp;

    private Path dbFile;
    private MetadataStore store;

    @BeforeEach
    void open() {
        dbFile = tmp.resolve("nested/dir/metadata.db");
        store = MetadataStore.openSqlite(dbFile);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void createsParentDirectoriesSchemaVersionAndWal() throws Exception {
        assertThat(dbFile).exists();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
        }
    }

    @Test
    void reopeningKeepsDataAndSchema() {
        store.insertModelVersion(new ModelVersion("m", 1, SNAPSHOT_A, T0, "/src"));
        store.close();
        store = MetadataStore.openSqlite(dbFile);
        assertThat(store.findModelVersion("m", 1)).isPresent();
    }

    @Test
    void refusesDatabaseFromNewerOrchestrator() throws Exception {
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version (version) VALUES (2)");
        }
        assertThatThrownBy(() -> MetadataStore.openSqlite(dbFile))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("schema version 2")
                .hasMessageContaining(dbFile.getFileName().toString());
        store = MetadataStore.openSqlite(tmp.resolve("other.db"));
    }

    @Test
    void modelVersionRoundTrip() {
        ModelVersion v1 = new ModelVersion("minilm", 1, SNAPSHOT_A, T0, "/models/minilm");
        ModelVersion v2 = new ModelVersion("minilm", 2, SNAPSHOT_B, T0.plusSeconds(5), null);
        ModelVersion other = new ModelVersion("alpha", 1, SNAPSHOT_B, T0, "s3://bucket/alpha");
        store.insertModelVersion(v2);
        store.insertModelVersion(v1);
        store.insertModelVersion(other);

        assertThat(store.findModelVersion("minilm", 1)).contains(v1);
        assertThat(store.findModelVersion("minilm", 3)).isEmpty();
        assertThat(store.latestModelVersion("minilm")).contains(v2);
        assertThat(store.latestModelVersion("nope")).isEmpty();
        assertThat(store.findModelVersionBySnapshot("minilm", SNAPSHOT_B)).contains(v2);
        assertThat(store.findModelVersionBySnapshot("alpha", SNAPSHOT_A)).isEmpty();
        assertThat(store.listModelVersions()).containsExactly(other, v1, v2);
        assertThat(store.listModelVersions("minilm")).containsExactly(v1, v2);
    }

    @Test
    void modelVersionIsUniquePerNameAndVersion() {
        ModelVersion v1 = new ModelVersion("minilm", 1, SNAPSHOT_A, T0, null);
        store.insertModelVersion(v1);
        ModelVersion clash = new ModelVersion("minilm", 1, SNAPSHOT_B, T0, null);

        assertThat(store.tryInsertModelVersion(clash)).isFalse();
        assertThatThrownBy(() -> store.insertModelVersion(clash))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("minilm/1 already exists");
        assertThat(store.findModelVersion("minilm", 1)).contains(v1);
    }

    @Test
    void runRoundTripWithAllFields() {
        RunRecord run = new RunRecord("r-20261129-005012-3f9a1c", "refresh", RunStatus.SUCCEEDED, "starter/1",
                SNAPSHOT_A, SNAPSHOT_B, "/data/in", "/data/out", "{\"batch\":64}", "0.1.0+abc", 100, 97, 2, 1,
                T0, T0.plusMillis(2500), null);
        store.insertRun(run);

        assertThat(store.findRun(run.id())).contains(run);
    }

    @Test
    void runRoundTripWithNullableFieldsAndUpdate() {
        RunRecord started = RunRecord.started("r-1", "refresh", "starter/1", SNAPSHOT_A, null, "/in", null,
                "{}", "dev", T0);
        store.insertRun(started);
        assertThat(store.findRun("r-1")).contains(started);

        RunRecord failed = started.withDataSnapshotId(SNAPSHOT_B).withCounts(10, 5, 1, 0)
                .failed("worker lost", T0.plusSeconds(3));
        store.updateRun(failed);

        assertThat(store.findRun("r-1")).contains(failed);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void insertingAnExistingRunIdFailsAndUpdatingAnUnknownRunFails() {
        RunRecord run = RunRecord.started("r-dup", "refresh", null, null, null, null, null, null, null, T0);
        store.insertRun(run);

        assertThatThrownBy(() -> store.insertRun(run)).hasMessageContaining("run r-dup already exists");
        assertThatThrownBy(() -> store.updateRun(run("r-missing", T0)))
                .hasMessageContaining("run r-missing not found");
    }

    @Test
    void findsRunByUniquePrefixOfAtLeastFourCharacters() {
        store.insertRun(run("r-20261129-005012-3f9a1c", T0));
        store.insertRun(run("r-20261129-005013-000001", T0.plusSeconds(1)));
        store.insertRun(run("r-20261130-010101-abcdef", T0.plusSeconds(2)));

        assertThat(store.findRun("r-20261130")).map(RunRecord::id).contains("r-20261130-010101-abcdef");
        assertThat(store.findRun("r-20261129-005012")).map(RunRecord::id).contains("r-20261129-005012-3f9a1c");
        assertThat(store.findRun("r-2")).as("shorter than 4 chars").isEmpty();
        assertThat(store.findRun("r-2027")).isEmpty();
        assertThatThrownBy(() -> store.findRun("r-20261129"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("'r-20261129' is ambiguous")
                .hasMessageContaining("r-20261129-005012-3f9a1c")
                .hasMessageContaining("r-20261129-005013-000001");
    }

    @Test
    void prefixLookupTreatsLikeWildcardsLiterally() {
        store.insertRun(run("r-ab_cd", T0));
        assertThat(store.findRun("r-a%")).isEmpty();
        assertThat(store.findRun("r-ab_")).isPresent();
        assertThat(store.findRun("R-AB")).as("case-sensitive").isEmpty();
    }

    @Test
    void listsRunsNewestFirstUpToLimit() {
        store.insertRun(run("r-old", T0));
        store.insertRun(run("r-new", T0.plusSeconds(60)));
        store.insertRun(run("r-mid", T0.plusNanos(1)));

        assertThat(store.listRuns(10)).extracting(RunRecord::id).containsExactly("r-new", "r-mid", "r-old");
        assertThat(store.listRuns(2)).extracting(RunRecord::id).containsExactly("r-new", "r-mid");
        assertThatThrownBy(() -> store.listRuns(0)).isInstanceOf(OrchestratorException.class);
    }

    @Test
    void twoInstancesOnOneFileSeeEachOthersWrites() {
        try (MetadataStore other = MetadataStore.openSqlite(dbFile)) {
            store.insertModelVersion(new ModelVersion("m", 1, SNAPSHOT_A, T0, null));
            assertThat(other.latestModelVersion("m")).map(ModelVersion::version).contains(1);

            other.insertRun(run("r-other", T0));
            assertThat(store.findRun("r-other")).isPresent();

            store.updateRun(run("r-other", T0).finished(RunStatus.SUCCEEDED, 3, 3, 0, 0, T0.plusSeconds(1), null));
            assertThat(other.findRun("r-oth")).map(RunRecord::status).contains(RunStatus.SUCCEEDED);
        }
    }

    @Test
    void concurrentWritersThroughTwoInstancesWaitForEachOther() throws Exception {
        int perWriter = 50;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (MetadataStore other = MetadataStore.openSqlite(dbFile)) {
            List<Future<?>> writers = new ArrayList<>();
            for (MetadataStore target : List.of(store, other)) {
                String prefix = target == store ? "r-a-" : "r-b-";
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        target.insertRun(run(prefix + i, T0.plusSeconds(i)));
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
            assertThat(other.listRuns(1000)).hasSize(2 * perWriter);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manyInstancesOpeningAFreshFileAtOnceAllGetTheSchema() throws Exception {
        Path fresh = tmp.resolve("fresh.db");
        int openers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        try {
            List<Future<MetadataStore>> opened = new ArrayList<>();
            for (int i = 0; i < openers; i++) {
                opened.add(pool.submit(() -> MetadataStore.openSqlite(fresh)));
            }
            for (int i = 0; i < openers; i++) {
                try (MetadataStore s = opened.get(i).get(60, TimeUnit.SECONDS)) {
                    s.insertModelVersion(new ModelVersion("m", i + 1, SNAPSHOT_A, T0, null));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (MetadataStore s = MetadataStore.openSqlite(fresh)) {
            assertThat(s.listModelVersions("m")).hasSize(openers);
        }
    }

    @Test
    void inMemoryDatabaseWorksForTests() {
        try (MetadataStore memory = MetadataStore.open("jdbc:sqlite::memory:")) {
            memory.insertRun(run("r-mem", T0));
            assertThat(memory.findRun("r-mem")).isPresent();
            assertThat(memory.database()).isEqualTo(":memory:");
        }
    }

    @Test
    void closedStoreRefusesCallsAndCloseIsIdempotent() {
        store.close();
        store.close();
        assertThatThrownBy(() -> store.listRuns(1)).hasMessageContaining("is closed");
    }

    @Test
    void rejectsNonSqliteUrlsWithoutEchoingCredentials() {
        assertThatThrownBy(() -> MetadataStore.open("jdbc:postgresql://bob:secret@db:5432/meta?password=secret"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("db:5432/meta")
                .hasMessageNotContaining("secret");
    }

    private static RunRecord run(String id, Instant startedAt) {
        return RunRecord.started(id, "refresh", "starter/1", SNAPSHOT_A, null, "/in", "/out", "{}", "dev", startedAt);
    }
}
