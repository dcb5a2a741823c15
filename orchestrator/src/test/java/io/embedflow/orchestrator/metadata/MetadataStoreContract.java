package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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

/**
 * What every database behind {@link MetadataStore} must do (the alias part is in
 * {@link AliasContract}). Subclasses supply a fresh, empty database per test; the tests reach it
 * only through the store, except where they inspect the schema or forge a newer one.
 */
abstract class MetadataStoreContract implements AliasContract, SpecTablesContract {

    static final String SNAPSHOT_A = "a".repeat(64);
    static final String SNAPSHOT_B = "b".repeat(64);
    static final String SNAPSHOT_C = "c".repeat(64);
    static final Instant T0 = Instant.parse("2026-11-29T00:50:12.123456789Z");

    /** The URL of a new, empty database. */
    abstract String newDatabaseUrl() throws Exception;

    protected final ManualClock clock = new ManualClock(T0);
    protected String url;
    protected MetadataStore store;

    @BeforeEach
    void openStore() throws Exception {
        url = newDatabaseUrl();
        store = MetadataStore.open(url, clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    public MetadataStore store() {
        return store;
    }

    @Override
    public ManualClock clock() {
        return clock;
    }

    @Override
    public String url() {
        return url;
    }

    Connection raw() throws SQLException {
        return DriverManager.getConnection(url);
    }

    // ---- schema ----

    @Test
    void newDatabaseIsAtTheCurrentSchemaVersionAndTellsOldOrchestratorsToStayAway() throws Exception {
        try (Connection c = raw(); Statement s = c.createStatement()) {
            assertThat(ints(s, "SELECT CAST(version AS INTEGER) FROM " + Migrations.HISTORY_TABLE + " ORDER BY installed_rank"))
                    .containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(Migrations.CURRENT_VERSION).as("the constant follows the newest migration").isEqualTo(6);
            // orchestrators from before Flyway refuse any schema_version above 1
            assertThat(ints(s, "SELECT MAX(version) FROM schema_version")).containsExactly(2);
        }
    }

    @Test
    void reopeningKeepsDataAndDoesNotMigrateAgain() throws Exception {
        store.insertModelVersion(new ModelVersion("m", 1, SNAPSHOT_A, T0, "/src"));
        store.close();
        store = MetadataStore.open(url, clock);
        assertThat(store.findModelVersion("m", 1)).isPresent();
        try (Connection c = raw(); Statement s = c.createStatement()) {
            assertThat(ints(s, "SELECT COUNT(*) FROM " + Migrations.HISTORY_TABLE)).containsExactly(Migrations.CURRENT_VERSION);
        }
    }

    @Test
    void refusesADatabaseWithANewerSchemaAndLeavesItAlone() throws Exception {
        String database = store.database();
        store.close();
        forgeNewerSchema();
        String before = schemaFingerprint();

        assertThatThrownBy(() -> MetadataStore.open(url, clock))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("metadata database " + database
                        + " has schema version 7, newer than this embedflow (6); upgrade embedflow");
        assertThat(schemaFingerprint()).isEqualTo(before);
    }

    @Test
    void manyInstancesOpeningAFreshDatabaseAtOnceAllGetTheSchema() throws Exception {
        String fresh = newDatabaseUrl();
        int openers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        try {
            List<Future<MetadataStore>> opened = new ArrayList<>();
            for (int i = 0; i < openers; i++) {
                opened.add(pool.submit(() -> MetadataStore.open(fresh, clock)));
            }
            for (int i = 0; i < openers; i++) {
                try (MetadataStore s = opened.get(i).get(60, TimeUnit.SECONDS)) {
                    s.insertModelVersion(new ModelVersion("m", i + 1, SNAPSHOT_A, T0, null));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (MetadataStore s = MetadataStore.open(fresh, clock)) {
            assertThat(s.listModelVersions("m")).hasSize(openers);
        }
    }

    // ---- model versions ----

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

    // ---- runs ----

    @Test
    void runRoundTripWithAllFields() {
        RunRecord run = new RunRecord("r-20261129-005012-3f9a1c", "refresh", RunStatus.SUCCEEDED, "starter/1",
                SNAPSHOT_A, SNAPSHOT_B, "/data/in", "/data/out", "{\"batch\":64}", "0.1.0+abc", 100, 97, 2, 1,
                T0, T0.plusMillis(2500), null, "f".repeat(64), "r-20261128-000000-000001");
        store.insertRun(run);

        assertThat(store.findRun(run.id())).contains(run);
    }

    @Test
    void aRunKeepsWhatTriggeredItAndIsFoundByItsSpecAndQueueRequest() {
        RunOrigin origin = new RunOrigin("docs", "CRON", "cron 0 3 * * * due at 2026-11-29T03:00:00Z", 12L, 7L);
        RunRecord run = RunRecord.started("r-origin", "refresh", "starter/1", SNAPSHOT_A, null, "/in", "/out", "{}", "dev", T0)
                .withOrigin(origin).withLogLocation("/var/log/embedflow.log");
        store.insertRun(run);
        RunRecord retry = RunRecord.started("r-origin-2", "refresh", "starter/1", SNAPSHOT_A, null, "/in", "/out", "{}", "dev",
                T0.plusSeconds(60)).withOrigin(new RunOrigin("docs", "MANUAL", "", null, 7L));
        store.insertRun(retry);
        store.insertRun(RunRecord.started("r-by-hand", "refresh", "starter/1", SNAPSHOT_A, null, "/in", "/x", "{}", "dev", T0));

        assertThat(store.findRun("r-origin")).contains(run);
        assertThat(store.findRun("r-origin-2").orElseThrow().origin().firing()).isNull();
        assertThat(store.findRun("r-by-hand").orElseThrow().origin()).isNull();
        assertThat(store.runsOfQueueRequest(7)).extracting(RunRecord::id).containsExactly("r-origin-2", "r-origin");
        assertThat(store.runsOfSpec("docs", 1)).extracting(RunRecord::id).containsExactly("r-origin-2");
        assertThat(origin.describeTrigger()).isEqualTo("CRON (firing 12): cron 0 3 * * * due at 2026-11-29T03:00:00Z");

        store.updateRun(run.failed("worker lost", T0.plusSeconds(5)).withOrigin(null));
        assertThat(store.findRun("r-origin").orElseThrow().origin()).isNull();
    }

    @Test
    void runRoundTripWithNullableFieldsAndUpdate() {
        RunRecord started = RunRecord.started("r-1", "refresh", "starter/1", SNAPSHOT_A, null, "/in", null,
                "{}", "dev", T0);
        store.insertRun(started);
        assertThat(store.findRun("r-1")).contains(started);

        RunRecord failed = started.withDataSnapshotId(SNAPSHOT_B).withCounts(10, 5, 1, 0).withConfigKey("k1")
                .withReplayOf("r-0").failed("worker lost", T0.plusSeconds(3));
        store.updateRun(failed);

        assertThat(store.findRun("r-1")).contains(failed);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.configKey()).isEqualTo("k1");
        assertThat(failed.replayOf()).isEqualTo("r-0");
    }

    @Test
    void progressIsRecordedOnlyWhileTheRunRuns() {
        RunRecord started = RunRecord.started("r-p", "refresh", "starter/1", SNAPSHOT_A, null, "/in", "/out", "{}", "dev", T0)
                .withCounts(100, 0, 0, 0);
        store.insertRun(started);

        assertThat(store.recordRunProgress("r-p", 40)).isTrue();
        assertThat(store.findRun("r-p")).contains(started.withCounts(100, 40, 0, 0));

        RunRecord done = started.finished(RunStatus.SUCCEEDED, 100, 97, 3, 0, T0.plusSeconds(9), null);
        store.updateRun(done);
        assertThat(store.recordRunProgress("r-p", 60)).as("a late report").isFalse();
        assertThat(store.recordRunProgress("r-unknown", 1)).isFalse();
        assertThat(store.findRun("r-p")).contains(done);
        assertThatThrownBy(() -> store.recordRunProgress("r-p", -1)).hasMessageContaining("-1 rows");
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
    void countsRunsByKindAndStatus() {
        assertThat(store.countRuns()).isEmpty();
        store.insertRun(run("r-a", T0));
        store.insertRun(succeeded(run("r-b", T0)));
        store.insertRun(succeeded(run("r-c", T0)));
        store.insertRun(RunRecord.started("r-t", "train", "starter/1", SNAPSHOT_A, null, "/in", "/out", "{}", "dev", T0)
                .failed("worker lost", T0.plusSeconds(1)));

        assertThat(store.countRuns()).containsExactly(
                new MetadataStore.RunCount("refresh", RunStatus.RUNNING, 1),
                new MetadataStore.RunCount("refresh", RunStatus.SUCCEEDED, 2),
                new MetadataStore.RunCount("train", RunStatus.FAILED, 1));
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
    void twoInstancesOnOneDatabaseSeeEachOthersWrites() {
        try (MetadataStore other = MetadataStore.open(url, clock)) {
            store.insertModelVersion(new ModelVersion("m", 1, SNAPSHOT_A, T0, null));
            assertThat(other.latestModelVersion("m")).map(ModelVersion::version).contains(1);

            other.insertRun(run("r-other", T0));
            assertThat(store.findRun("r-other")).isPresent();

            store.updateRun(run("r-other", T0).finished(RunStatus.SUCCEEDED, 3, 3, 0, 0, T0.plusSeconds(1), null));
            assertThat(other.findRun("r-oth")).map(RunRecord::status).contains(RunStatus.SUCCEEDED);

            other.moveAlias("m", "prod", 1, null, "bob", null, null);
            assertThat(store.findAlias("m", "prod")).map(Alias::version).contains(1);
        }
    }

    @Test
    void concurrentWritersThroughTwoInstancesWaitForEachOther() throws Exception {
        int perWriter = 50;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (MetadataStore other = MetadataStore.open(url, clock)) {
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
    void closedStoreRefusesCallsAndCloseIsIdempotent() {
        store.close();
        store.close();
        assertThatThrownBy(() -> store.listRuns(1)).hasMessageContaining("is closed");
        assertThatThrownBy(() -> store.moveAlias("m", "prod", 1, null, "bob", null, null)).hasMessageContaining("is closed");
    }

    // ---- lineage ----

    @Test
    void lineageQueriesFindRunsByModelSnapshotAndOutputNewestFirst() {
        store.insertRun(run("r-1", T0).withOutputPath("/t/one"));
        store.insertRun(run("r-2", T0.plusSeconds(1)).withOutputPath("/t/two"));
        store.insertRun(RunRecord.started("r-3", "refresh", "other/1", SNAPSHOT_B, null, "/in", "/t/one", "{}", "dev",
                T0.plusSeconds(2)));

        assertThat(store.runsByModelSnapshot(SNAPSHOT_A)).extracting(RunRecord::id).containsExactly("r-2", "r-1");
        assertThat(store.runsByModelSnapshot(SNAPSHOT_C)).isEmpty();
        assertThat(store.runsByOutput("/t/one")).extracting(RunRecord::id).containsExactly("r-3", "r-1");
        assertThat(store.runsByOutput("/t")).isEmpty();
    }

    @Test
    void latestSucceededRunMatchesKindSnapshotsAndConfigKeyExactly() {
        RunRecord base = RunRecord.started("r-old", "refresh", "m/1", SNAPSHOT_A, SNAPSHOT_B, "/in", "/out", "{}", "dev",
                T0, "key", null);
        store.insertRun(succeeded(base));
        store.insertRun(succeeded(copy(base, "r-new", T0.plusSeconds(10))));
        store.insertRun(copy(base, "r-running", T0.plusSeconds(20)));
        store.insertRun(copy(base, "r-failed", T0.plusSeconds(30)).failed("boom", T0.plusSeconds(31)));
        store.insertRun(succeeded(copy(base, "r-other-key", T0.plusSeconds(40)).withConfigKey("other")));
        store.insertRun(succeeded(copy(base, "r-no-key", T0.plusSeconds(50)).withConfigKey(null)));

        assertThat(store.latestSucceededRun("refresh", SNAPSHOT_A, SNAPSHOT_B, "key")).map(RunRecord::id).contains("r-new");
        assertThat(store.latestSucceededRun("refresh", SNAPSHOT_A, SNAPSHOT_B, "other")).map(RunRecord::id)
                .contains("r-other-key");
        assertThat(store.latestSucceededRun("refresh", SNAPSHOT_A, SNAPSHOT_B, null)).map(RunRecord::id).contains("r-no-key");
        assertThat(store.latestSucceededRun("infer", SNAPSHOT_A, SNAPSHOT_B, "key")).isEmpty();
        assertThat(store.latestSucceededRun("refresh", SNAPSHOT_A, SNAPSHOT_C, "key")).isEmpty();
        assertThat(store.latestSucceededRun("refresh", SNAPSHOT_A, null, "key")).isEmpty();
    }

    @Test
    void referencedModelSnapshotsCoverVersionsAndRuns() {
        assertThat(store.referencedModelSnapshots()).isEmpty();
        store.insertModelVersion(new ModelVersion("m", 1, SNAPSHOT_A, T0, null));
        store.insertModelVersion(new ModelVersion("n", 1, SNAPSHOT_A, T0, null));
        store.insertRun(RunRecord.started("r-1", "refresh", null, SNAPSHOT_C, null, null, null, null, null, T0));
        store.insertRun(RunRecord.started("r-2", "refresh", null, null, null, null, null, null, null, T0));

        assertThat(store.referencedModelSnapshots()).containsExactly(SNAPSHOT_A, SNAPSHOT_C);
    }

    // ---- data snapshots ----

    @Test
    void dataSnapshotsRoundTripAndSavingTwiceKeepsTheFirst() {
        String files = "[{\"path\":\"part-0.parquet\",\"size\":10,\"sha256\":\"00\"}]";
        store.saveDataSnapshot("d1", "/data/in", files);
        clock.advance(Duration.ofSeconds(5));
        store.saveDataSnapshot("d1", "/data/in", files);
        store.saveDataSnapshot("d1", "/elsewhere", "[]");

        assertThat(store.findDataSnapshot("d1")).contains(new StoredDataSnapshot("d1", "/data/in", files, T0));
        assertThat(store.findDataSnapshot("d2")).isEmpty();
        assertThatThrownBy(() -> store.saveDataSnapshot("d3", "/in", "[{"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("data snapshot d3 is not valid JSON");
        assertThat(store.findDataSnapshot("d3")).isEmpty();
    }

    // ---- helpers ----

    /** Something that changes whenever the schema or its history does. */
    String schemaFingerprint() throws Exception {
        try (Connection c = raw(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT installed_rank, version, success FROM " + Migrations.HISTORY_TABLE
                        + " ORDER BY installed_rank")) {
            StringBuilder sb = new StringBuilder();
            while (rs.next()) {
                sb.append(rs.getInt(1)).append(':').append(rs.getString(2)).append(':').append(rs.getBoolean(3)).append('\n');
            }
            return sb.toString();
        }
    }

    /** Records, as a newer embedflow would, that migration V7 ran. */
    void forgeNewerSchema() throws SQLException {
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + Migrations.HISTORY_TABLE + " (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, installed_on, execution_time, success) VALUES (10, '7', 'from the future', "
                    + "'SQL', 'V7__from_the_future.sql', 0, 'tomorrow', CURRENT_TIMESTAMP, 1, TRUE)");
        }
    }

    static List<Integer> ints(Statement s, String sql) throws SQLException {
        List<Integer> result = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.add(rs.getInt(1));
            }
        }
        return result;
    }

    static RunRecord run(String id, Instant startedAt) {
        return RunRecord.started(id, "refresh", "starter/1", SNAPSHOT_A, null, "/in", "/out", "{}", "dev", startedAt);
    }

    private static RunRecord succeeded(RunRecord run) {
        return run.finished(RunStatus.SUCCEEDED, 1, 1, 0, 0, run.startedAt().plusSeconds(1), null);
    }

    private static RunRecord copy(RunRecord run, String id, Instant startedAt) {
        return RunRecord.started(id, run.kind(), run.modelRef(), run.modelSnapshotId(), run.dataSnapshotId(),
                run.inputPath(), run.outputPath(), run.configJson(), run.codeVersion(), startedAt, run.configKey(),
                run.replayOf());
    }
}
