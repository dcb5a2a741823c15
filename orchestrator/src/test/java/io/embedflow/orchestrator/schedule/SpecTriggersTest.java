package io.embedflow.orchestrator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data, alias, chain and manual triggers through {@link TriggerEvaluator}, on a real SQLite
 * file, a real local dataset and the real model registry: each cause fires once, and never again
 * after a re-evaluation, a restart or a racing evaluator.
 */
class SpecTriggersTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path tmp;

    private ScheduleFixture f;

    @BeforeEach
    void setUp() {
        f = new ScheduleFixture(tmp, T0);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    // ---- new data ----

    @Test
    void newChangedAndDeletedFilesFireOnceEachAndTheFirstLookIsTheBaseline() throws Exception {
        f.write("docs", "part-0.parquet", "rows 0-99");
        f.add("docs", "triggers: {onNewData: true}\n");

        assertThat(f.evaluate()).as("first look: baseline").isEmpty();
        String baseline = f.schedule.state("docs").dataSnapshotId();
        assertThat(baseline).hasSize(64);
        assertThat(f.evaluate()).as("unchanged").isEmpty();

        f.write("docs", "part-1.parquet", "rows 100-199");
        assertThat(f.evaluate()).singleElement().satisfies(firing -> {
            assertThat(firing.kind()).isEqualTo(TriggerKind.NEW_DATA);
            assertThat(firing.detail()).startsWith("data snapshot of " + f.dataset("docs") + " changed to ")
                    .endsWith("(was " + baseline + ")");
        });
        assertThat(f.evaluate()).as("added, seen").isEmpty();

        f.write("docs", "part-1.parquet", "rows 100-199, rewritten");
        assertThat(f.evaluate()).as("changed").hasSize(1);
        assertThat(f.evaluate()).isEmpty();

        Files.delete(f.dataset("docs").resolve("part-0.parquet"));
        assertThat(f.evaluate()).as("deleted").hasSize(1);
        assertThat(f.evaluate()).isEmpty();

        f.write("docs", "_SUCCESS", "");
        f.write("docs", ".staging/part-9.parquet", "not yet published");
        f.write("docs", "notes.txt", "not data");
        assertThat(f.evaluate()).as("hidden and non-Parquet files are not data").isEmpty();
        assertThat(f.schedule.firings("docs", 10)).hasSize(3);
    }

    @Test
    void theWhereFilterIgnoresOtherPartitions() {
        f.write("docs", "country=de/part-0.parquet", "de");
        f.write("docs", "country=fr/part-0.parquet", "fr");
        f.add("docs", "where: [country=de]\ntriggers: {onNewData: true}\n");
        assertThat(f.evaluate()).isEmpty();

        f.write("docs", "country=fr/part-1.parquet", "more fr");
        f.write("docs", "country=fr/part-0.parquet", "fr, rewritten");
        assertThat(f.evaluate()).as("only France changed").isEmpty();

        f.write("docs", "country=de/part-1.parquet", "more de");
        assertThat(f.evaluate()).singleElement().extracting(TriggerFiring::detail).asString()
                .startsWith("data snapshot of " + f.dataset("docs") + " where country=de changed to ");
    }

    @Test
    void aDatasetWithoutFilesFiresWhenFilesArriveAndIsNeverCreated() throws Exception {
        f.add("docs", "triggers: {onNewData: true}\n");
        assertThat(f.evaluate()).isEmpty();
        assertThat(f.dataset("docs")).doesNotExist();

        f.write("docs", "part-0.parquet", "first rows");
        assertThat(f.evaluate()).singleElement().extracting(TriggerFiring::detail).asString().endsWith("(was no data files)");

        Files.delete(f.dataset("docs").resolve("part-0.parquet"));
        assertThat(f.evaluate()).as("nothing left to refresh from").isEmpty();
        assertThat(f.schedule.state("docs").dataSnapshotId()).isNull();
        f.write("docs", "part-0.parquet", "first rows");
        assertThat(f.evaluate()).as("back").hasSize(1);
    }

    @Test
    void aDatasetThatCannotBeReadIsReportedAndTheOtherTriggersStillFire() {
        f.add("docs", "triggers: {cron: '0 * * * *', onNewData: true}\n");
        f.add("other", "triggers: {onNewData: true}\n");
        f.useProbe((dataset, where) -> {
            if (dataset.endsWith("docs")) {
                throw new OrchestratorException("cannot list s3://warehouse/docs: access denied");
            }
            return Optional.of("a".repeat(64));
        });

        TriggerEvaluator.Evaluation pass = f.triggers.evaluateAll(Instant.parse("2026-12-01T11:00:00Z"));

        assertThat(pass.firings()).extracting(TriggerFiring::spec, TriggerFiring::kind).containsExactly(
                tuple("docs", TriggerKind.CRON));
        assertThat(pass.failures()).containsExactly(
                new TriggerEvaluator.Failure("docs", "cannot list s3://warehouse/docs: access denied"));
        assertThat(f.schedule.state("docs").dataSeen()).as("looked at again next pass").isFalse();
        assertThat(f.schedule.state("other").dataSnapshotId()).isEqualTo("a".repeat(64));
    }

    // ---- model alias ----

    @Test
    void anAliasMoveFiresOnceAndADeletedAliasWaitsToReappear() throws Exception {
        ModelRegistry registry = new ModelRegistry(new SnapshotStore(tmp.resolve("home/snapshots")), f.metadata, f.clock);
        ModelVersion v1 = registry.importModel(model("one"), "minilm");
        ModelVersion v2 = registry.importModel(model("two"), "minilm");
        f.metadata.moveAlias("minilm", "production", v1.version(), null, "alice", "first", null);
        f.add("docs", "triggers: {onModelAlias: true}\n");
        f.add("other", "triggers: {onModelAlias: true}\n");

        assertThat(f.evaluate()).as("where it pointed when added is the baseline").isEmpty();

        f.metadata.moveAlias("minilm", "production", v2.version(), v1.version(), "gate", "eval passed", null);
        List<TriggerFiring> moved = f.evaluate();
        assertThat(moved).extracting(TriggerFiring::spec).containsExactly("docs", "other");
        assertThat(moved.get(0).kind()).isEqualTo(TriggerKind.MODEL_ALIAS);
        assertThat(moved.get(0).detail()).isEqualTo("model alias minilm@production moved from version 1 to 2");
        assertThat(f.evaluate()).isEmpty();

        f.metadata.moveAlias("minilm", "production", v2.version(), v2.version(), "gate", "re-blessed", null);
        assertThat(f.evaluate()).as("a move to the same version changes nothing to embed").isEmpty();

        f.metadata.deleteAlias("minilm", "production", "alice", "retired");
        assertThat(f.evaluate()).isEmpty();
        assertThat(f.schedule.state("docs").aliasVersion()).isNull();
        f.metadata.moveAlias("minilm", "production", v2.version(), null, "alice", "back", null);
        assertThat(f.evaluate()).extracting(TriggerFiring::detail)
                .containsOnly("model alias minilm@production appeared at version 2");
    }

    @Test
    void aSpecAddedBeforeItsAliasExistsFiresWhenItAppears() throws Exception {
        ModelRegistry registry = new ModelRegistry(new SnapshotStore(tmp.resolve("home/snapshots")), f.metadata, f.clock);
        f.add("docs", "triggers: {onModelAlias: true}\n");
        assertThat(f.evaluate()).isEmpty();

        ModelVersion v1 = registry.importModel(model("one"), "minilm");
        registry.importModel(model("two"), "minilm");
        f.metadata.moveAlias("minilm", "production", v1.version(), null, "alice", null, null);

        assertThat(f.evaluate()).singleElement().extracting(TriggerFiring::detail)
                .isEqualTo("model alias minilm@production appeared at version 1");
    }

    // ---- chains ----

    @Test
    void aSuccessOfTheUpstreamSpecFiresItsFollowerOnce() {
        f.add("clean", "");
        f.triggers.recordRunFinished("clean", "r-0", true);
        f.add("docs", "triggers: {after: [clean]}\n");
        assertThat(f.evaluate()).as("a success before the follower was added").isEmpty();

        f.triggers.recordRunFinished("clean", "r-1", false);
        assertThat(f.evaluate()).as("a failure").isEmpty();

        f.triggers.recordRunFinished("clean", "r-2", true);
        assertThat(f.evaluate()).singleElement().satisfies(firing -> {
            assertThat(firing.spec()).isEqualTo("docs");
            assertThat(firing.kind()).isEqualTo(TriggerKind.AFTER);
            assertThat(firing.detail()).isEqualTo("spec 'clean' succeeded in run r-2");
        });
        assertThat(f.evaluate()).isEmpty();
        assertThat(f.triggers.recordRunFinished("clean", "r-2", true)).as("reported twice").isTrue();
        assertThat(f.evaluate()).isEmpty();

        f.triggers.recordRunFinished("clean", "r-3", true);
        f.triggers.recordRunFinished("clean", "r-4", true);
        assertThat(f.evaluate()).as("two successes between passes").extracting(TriggerFiring::detail)
                .containsExactly("spec 'clean' succeeded in run r-4");

        SpecState clean = f.schedule.state("clean");
        assertThat(clean.lastRunId()).isEqualTo("r-4");
        assertThat(clean.lastSuccessRunId()).isEqualTo("r-4");
        assertThat(f.schedule.state("docs").upstreamRunsSeen()).containsExactly(Map.entry("clean", "r-4"));
        assertThat(f.triggers.recordRunFinished("gone", "r-5", true)).isFalse();
    }

    @Test
    void aChainRunsThroughEachLink() {
        f.add("a", "");
        f.add("b", "triggers: {after: [a]}\n");
        f.add("c", "triggers: {after: [b]}\n");

        f.triggers.recordRunFinished("a", "r-a", true);
        assertThat(f.evaluate()).extracting(TriggerFiring::spec).containsExactly("b");
        f.triggers.recordRunFinished("b", "r-b", true);
        assertThat(f.evaluate()).extracting(TriggerFiring::spec).containsExactly("c");
        assertThat(f.evaluate()).isEmpty();
    }

    // ---- manual, pause ----

    @Test
    void aManualTriggerIsLoggedAlsoForAPausedSpec() {
        f.add("docs", "");
        f.schedule.pause("docs");

        TriggerFiring firing = f.triggers.trigger("docs", "by alice: backfill");

        assertThat(firing).isEqualTo(new TriggerFiring(1, "docs", TriggerKind.MANUAL, "by alice: backfill", T0));
        assertThat(f.schedule.firings("docs", 5)).containsExactly(firing);
        assertThat(f.metadata.specs().pending(10)).extracting(e -> e.seq()).containsExactly(1L);
        assertThatThrownBy(() -> f.triggers.trigger("nope", "by alice"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageStartingWith("refresh spec 'nope' not found");
    }

    @Test
    void aPausedSpecDoesNotFireAndCatchesUpOnceWhenResumed() {
        f.write("docs", "part-0.parquet", "v1");
        f.add("docs", "triggers: {onNewData: true}\n");
        assertThat(f.evaluate()).isEmpty();
        f.schedule.pause("docs");

        f.write("docs", "part-0.parquet", "v2");
        assertThat(f.evaluate()).isEmpty();
        f.write("docs", "part-0.parquet", "v3");
        assertThat(f.evaluate()).isEmpty();

        f.schedule.resume("docs");
        assertThat(f.evaluate()).hasSize(1);
        assertThat(f.evaluate()).isEmpty();
    }

    // ---- exactly once ----

    @Test
    void aRestartNeitherLosesNorRepeatsAFiring() {
        f.write("docs", "part-0.parquet", "v1");
        f.add("docs", "triggers: {onNewData: true, cron: '0 11 * * *'}\n");
        assertThat(f.evaluate()).isEmpty();
        f.write("docs", "part-0.parquet", "v2");
        List<TriggerFiring> before = f.evaluate();
        assertThat(before).hasSize(1);

        f.reopen();

        assertThat(f.evaluate()).as("the change was accounted for").isEmpty();
        assertThat(f.schedule.firings("docs", 10)).isEqualTo(before);
        assertThat(f.metadata.specs().pending(10)).extracting(e -> e.seq()).containsExactly(before.get(0).id());
        f.advance(Duration.ofHours(1));
        assertThat(f.evaluate()).extracting(TriggerFiring::kind).containsExactly(TriggerKind.CRON);
    }

    @Test
    void ofTwoEvaluatorsRacingOnOneChangeOnlyOneFires() {
        f.write("docs", "part-0.parquet", "v1");
        f.add("docs", "triggers: {onNewData: true}\n");
        assertThat(f.evaluate()).isEmpty();
        f.write("docs", "part-0.parquet", "v2");

        // the second evaluator has read the state; while it looks at the dataset, the first one
        // runs a whole pass and commits; the second's commit must then be refused
        ScheduleFixture second = new ScheduleFixture(tmp, T0);
        AtomicReference<List<TriggerFiring>> firstPass = new AtomicReference<>();
        DatasetProbe real = new ObjectStoreDatasetProbe(S3Settings.defaults());
        second.useProbe((dataset, where) -> {
            if (firstPass.get() == null) {
                firstPass.set(f.evaluate());
            }
            return real.snapshotId(dataset, where);
        });
        try {
            List<TriggerFiring> secondPass = second.evaluate();

            assertThat(firstPass.get()).hasSize(1);
            assertThat(secondPass).isEmpty();
            assertThat(f.schedule.firings("docs", 10)).hasSize(1);
            assertThat(f.evaluate()).isEmpty();
        } finally {
            second.close();
        }
    }

    private Path model(String weights) throws Exception {
        Path dir = tmp.resolve("models").resolve(weights);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("model.pt"), weights);
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        return dir;
    }
}
