package io.embedflow.orchestrator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registering specs: add, replace, chains checked on add, pause, resume, remove, and all of it after reopening the store. */
class SpecScheduleTest {

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

    @Test
    void anAddedSpecIsListedAsAddedAndANameIsTakenOnce() {
        ScheduledSpec docs = f.add("docs", "tenant: search\npriority: 3\n");
        f.add("alpha", "");

        assertThat(docs).isEqualTo(new ScheduledSpec(f.spec("docs", "tenant: search\npriority: 3\n"), false, T0, T0));
        assertThat(f.schedule.list()).extracting(ScheduledSpec::name).containsExactly("alpha", "docs");
        assertThat(f.schedule.get("docs")).isEqualTo(docs);
        assertThat(f.metadata.specs().find("docs").orElseThrow().tenant()).isEqualTo("search");
        assertThatThrownBy(() -> f.add("docs", ""))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("refresh spec 'docs' already exists; add it with --replace to replace it");
    }

    @Test
    void replacingKeepsCreationTimePauseAndWhatUnchangedTriggersSaw() {
        f.write("docs", "part-0.parquet", "v1");
        f.add("docs", "triggers: {onNewData: true}\n");
        f.evaluate();
        String seen = f.schedule.state("docs").dataSnapshotId();
        f.schedule.pause("docs");
        f.advance(Duration.ofMinutes(5));

        Schedule.Added replaced = f.schedule.add(f.spec("docs", "priority: 9\ntriggers: {onNewData: true}\n"), true);

        assertThat(replaced.replaced()).isTrue();
        assertThat(replaced.spec()).isEqualTo(new ScheduledSpec(f.spec("docs", "priority: 9\ntriggers: {onNewData: true}\n"),
                true, T0, T0.plusSeconds(300)));
        assertThat(f.schedule.get("docs")).isEqualTo(replaced.spec());
        assertThat(f.schedule.state("docs").dataSnapshotId()).as("same dataset: kept").isEqualTo(seen);

        f.schedule.add(f.spec("docs", "where: [country=de]\ntriggers: {onNewData: true}\n"), true);
        assertThat(f.schedule.state("docs").dataSeen()).as("other partitions: looked at afresh").isFalse();
    }

    @Test
    void aChainMustNameRegisteredSpecsAndCloseNoCycle() {
        assertThatThrownBy(() -> f.add("docs", "triggers: {after: [clean]}\n"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("triggers.after[0]: no spec named 'clean' is registered; add it first");

        f.add("a", "");
        f.add("b", "triggers: {after: [a]}\n");
        f.add("c", "triggers: {after: [b]}\n");

        assertThatThrownBy(() -> f.schedule.add(f.spec("a", "triggers: {after: [c]}\n"), true))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("triggers.after: closes a cycle of specs running after each other: a -> c -> b -> a");
        assertThatThrownBy(() -> f.schedule.add(f.spec("a", "triggers: {after: [b]}\n"), true))
                .hasMessage("triggers.after: closes a cycle of specs running after each other: a -> b -> a");
        assertThat(f.schedule.get("a").spec().triggers().after()).as("nothing changed").isEmpty();

        // a diamond is not a cycle
        f.add("d", "triggers: {after: [b, c]}\n");
        assertThat(f.schedule.list()).hasSize(4);
    }

    @Test
    void pauseAndResumeAreIdempotentAndUnknownNamesAreNamed() {
        f.add("docs", "");
        f.advance(Duration.ofMinutes(1));

        assertThat(f.schedule.pause("docs").paused()).isTrue();
        assertThat(f.schedule.pause("docs").updatedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(f.schedule.get("docs").paused()).isTrue();
        f.advance(Duration.ofMinutes(1));
        assertThat(f.schedule.resume("docs").paused()).isFalse();
        assertThat(f.schedule.resume("docs").updatedAt()).isEqualTo(T0.plusSeconds(120));

        for (Runnable call : new Runnable[] {() -> f.schedule.pause("nope"), () -> f.schedule.resume("nope"),
            () -> f.schedule.remove("nope"), () -> f.schedule.get("nope"), () -> f.schedule.state("nope")}) {
            assertThatThrownBy(call::run)
                    .isInstanceOf(OrchestratorException.class)
                    .hasMessage("refresh spec 'nope' not found; `embedflow schedule list` shows the registered specs");
        }
    }

    @Test
    void removingASpecKeepsItsFiringsAndIsRefusedWhileAnotherRunsAfterIt() {
        f.add("clean", "");
        f.add("docs", "triggers: {after: [clean]}\n");
        f.triggers.trigger("clean", "by alice");

        assertThatThrownBy(() -> f.schedule.remove("clean"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("refresh spec 'clean' cannot be removed: docs runs after it (triggers.after); remove or change "
                        + "that spec first");

        f.schedule.remove("docs");
        f.schedule.remove("clean");

        assertThat(f.schedule.list()).isEmpty();
        assertThat(f.schedule.firings("clean", 5)).extracting(TriggerFiring::detail).containsExactly("by alice");
        assertThat(f.evaluate()).isEmpty();
    }

    @Test
    void specsPausesAndStateSurviveReopeningTheStore() {
        f.write("docs", "part-0.parquet", "v1");
        ScheduledSpec docs = f.add("docs", "tenant: search\ntriggers: {onNewData: true, cron: '0 12 * * *'}\n");
        f.add("other", "");
        f.schedule.pause("other");
        f.evaluate();

        f.reopen();

        assertThat(f.schedule.get("docs")).isEqualTo(docs);
        assertThat(f.schedule.get("other").paused()).isTrue();
        assertThat(f.schedule.state("docs").dataSeen()).isTrue();
        assertThat(f.evaluate()).isEmpty();
        assertThat(f.evaluateAt("2026-12-01T12:00:00Z")).extracting(TriggerFiring::kind).containsExactly(TriggerKind.CRON);
    }
}
