package io.embedflow.orchestrator.metadata;

import static io.embedflow.orchestrator.metadata.MetadataStoreContract.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every database behind {@link MetadataStore} must do with refresh specs: specs and their
 * trigger state written together, state moved only from the revision it was read at, firings
 * numbered and logged with the state, and the log kept when a spec goes. Mixed into {@link
 * MetadataStoreContract}, which supplies the store.
 */
interface SpecTablesContract {

    MetadataStore store();

    String url();

    @Test
    default void aSpecIsStoredWithItsStateAndANameIsTakenOnce() {
        SpecTables specs = store().specs();
        StoredSpec docs = spec("docs", "search");
        SpecState state = SpecState.initial("docs").withCronCheckedAt(T0).withAlias(3, T0)
                .withUpstreamRunsSeen(Map.of("clean", "r-1"));

        assertThat(specs.insert(docs, state)).isTrue();
        assertThat(specs.insert(spec("docs", "other"), SpecState.initial("docs"))).isFalse();
        assertThat(specs.insert(spec("alpha", "search"), SpecState.initial("alpha"))).isTrue();

        assertThat(specs.find("docs")).contains(docs);
        assertThat(specs.list()).extracting(StoredSpec::name).containsExactly("alpha", "docs");
        SpecState stored = specs.state("docs").orElseThrow();
        assertThat(stored.revision()).isEqualTo(1);
        assertThat(stored.sameObservations(state)).isTrue();
        assertThat(specs.states()).containsOnlyKeys("alpha", "docs");
        assertThat(specs.states().get("docs")).isEqualTo(stored);
    }

    @Test
    default void replacingKeepsTheCreationTimeAndPausingMovesTheCronState() {
        SpecTables specs = store().specs();
        specs.insert(spec("docs", "search"), SpecState.initial("docs").withCronCheckedAt(T0));
        StoredSpec replacement = new StoredSpec("docs", "ads", "name: docs # v2\n", false, T0.plusSeconds(99), T0.plusSeconds(5));

        assertThat(specs.replace(replacement, SpecState.initial("docs").withData("d1", T0))).isTrue();
        assertThat(specs.find("docs")).contains(new StoredSpec("docs", "ads", "name: docs # v2\n", false, T0, T0.plusSeconds(5)));
        assertThat(specs.state("docs").orElseThrow().dataSnapshotId()).isEqualTo("d1");
        assertThat(specs.replace(spec("gone", "x"), SpecState.initial("gone"))).isFalse();

        assertThat(specs.setPaused("docs", true, T0.plusSeconds(6), null)).isTrue();
        assertThat(specs.find("docs").orElseThrow().paused()).isTrue();
        assertThat(specs.setPaused("docs", false, T0.plusSeconds(7), T0.plusSeconds(7))).isTrue();
        assertThat(specs.find("docs").orElseThrow().paused()).isFalse();
        assertThat(specs.find("docs").orElseThrow().updatedAt()).isEqualTo(T0.plusSeconds(7));
        assertThat(specs.state("docs").orElseThrow().cronCheckedAt()).isEqualTo(T0.plusSeconds(7));
        assertThat(specs.setPaused("gone", true, T0, null)).isFalse();
    }

    @Test
    default void aCommitWritesStateAndFiringsTogetherAndOnlyFromTheRevisionItRead() {
        SpecTables specs = store().specs();
        specs.insert(spec("docs", "search"), SpecState.initial("docs"));
        SpecState read = specs.state("docs").orElseThrow();

        Optional<List<TriggerLogEntry>> first = specs.commit(read.withData("d1", T0), List.of(
                new TriggerLogEntry.New("NEW_DATA", "changed", T0), new TriggerLogEntry.New("CRON", "due", T0)));
        Optional<List<TriggerLogEntry>> stale = specs.commit(read.withData("d2", T0), List.of(
                new TriggerLogEntry.New("NEW_DATA", "changed again", T0)));

        assertThat(first).hasValueSatisfying(logged -> assertThat(logged)
                .containsExactly(new TriggerLogEntry(1, "docs", "NEW_DATA", "changed", T0, null, null),
                        new TriggerLogEntry(2, "docs", "CRON", "due", T0, null, null)));
        assertThat(stale).isEmpty();
        assertThat(specs.state("docs").orElseThrow().dataSnapshotId()).isEqualTo("d1");
        assertThat(specs.state("docs").orElseThrow().revision()).isEqualTo(read.revision() + 1);
        assertThat(specs.firings("docs", 10)).extracting(TriggerLogEntry::seq).containsExactly(2L, 1L);
        assertThat(specs.commit(SpecState.initial("gone"), List.of(new TriggerLogEntry.New("CRON", "due", T0)))).isEmpty();
    }

    @Test
    default void concurrentCommitsFromOneReadLogExactlyOneFiring() throws Exception {
        SpecTables specs = store().specs();
        specs.insert(spec("docs", "search"), SpecState.initial("docs"));
        SpecState read = specs.state("docs").orElseThrow();
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<MetadataStore> stores = new ArrayList<>();
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                MetadataStore other = MetadataStore.open(url());
                stores.add(other);
                int n = i;
                results.add(pool.submit(() -> other.specs().commit(read.withData("d" + n, T0),
                        List.of(new TriggerLogEntry.New("NEW_DATA", "writer " + n, T0))).isPresent()));
            }
            int won = 0;
            for (Future<Boolean> r : results) {
                won += r.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
            assertThat(specs.firings("docs", 10)).hasSize(1);
        } finally {
            pool.shutdownNow();
            stores.forEach(MetadataStore::close);
        }
    }

    @Test
    default void removingASpecDropsItsStateAndKeepsItsFirings() {
        SpecTables specs = store().specs();
        specs.insert(spec("docs", "search"), SpecState.initial("docs").withUpstreamRunsSeen(Map.of("a", "r-1")));
        TriggerLogEntry manual = specs.log("docs", new TriggerLogEntry.New("MANUAL", "by alice", T0));

        assertThat(specs.delete("docs")).isTrue();
        assertThat(specs.delete("docs")).isFalse();

        assertThat(specs.find("docs")).isEmpty();
        assertThat(specs.state("docs")).isEmpty();
        assertThat(specs.states()).isEmpty();
        assertThat(specs.firings("docs", 5)).containsExactly(manual);
        assertThatThrownBy(() -> specs.log("docs", new TriggerLogEntry.New("MANUAL", "by bob", T0)))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageStartingWith("refresh spec 'docs' not found in ");
        // the name is free again, with a fresh state
        assertThat(specs.insert(spec("docs", "search"), SpecState.initial("docs"))).isTrue();
        assertThat(specs.state("docs").orElseThrow().upstreamRunsSeen()).isEmpty();
    }

    @Test
    default void pendingFiringsAreTakenOnceOldestFirst() {
        SpecTables specs = store().specs();
        specs.insert(spec("docs", "search"), SpecState.initial("docs"));
        TriggerLogEntry one = specs.log("docs", new TriggerLogEntry.New("MANUAL", "one", T0));
        TriggerLogEntry two = specs.log("docs", new TriggerLogEntry.New("MANUAL", "two", T0.plusSeconds(1)));

        assertThat(specs.pending(10)).containsExactly(one, two);
        assertThat(specs.markConsumed(one.seq(), "queue-7", T0.plusSeconds(2))).isTrue();
        assertThat(specs.markConsumed(one.seq(), "queue-8", T0.plusSeconds(3))).isFalse();

        assertThat(specs.pending(10)).containsExactly(two);
        assertThat(specs.firings("docs", 1)).containsExactly(two);
        assertThat(specs.firings("docs", 2).get(1)).isEqualTo(new TriggerLogEntry(one.seq(), "docs", "MANUAL", "one", T0,
                "queue-7", T0.plusSeconds(2)));
    }

    @Test
    default void specsStateAndLogSurviveReopening() {
        store().specs().insert(spec("docs", "search"), SpecState.initial("docs").withRunFinished("r-9", true, T0));
        store().specs().log("docs", new TriggerLogEntry.New("MANUAL", "by alice", T0));
        try (MetadataStore reopened = MetadataStore.open(url())) {
            assertThat(reopened.specs().find("docs")).contains(spec("docs", "search"));
            SpecState state = reopened.specs().state("docs").orElseThrow();
            assertThat(state.lastSuccessRunId()).isEqualTo("r-9");
            assertThat(state.lastRunSucceeded()).isTrue();
            assertThat(reopened.specs().firings("docs", 5)).extracting(TriggerLogEntry::detail).containsExactly("by alice");
        }
    }

    private static StoredSpec spec(String name, String tenant) {
        return new StoredSpec(name, tenant, "name: " + name + "\n", false, T0, T0);
    }
}
