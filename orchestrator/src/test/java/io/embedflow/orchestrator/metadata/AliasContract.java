package io.embedflow.orchestrator.metadata;

import static io.embedflow.orchestrator.metadata.MetadataStoreContract.SNAPSHOT_A;
import static io.embedflow.orchestrator.metadata.MetadataStoreContract.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every database behind {@link MetadataStore} must do with aliases: moves, compare-and-set,
 * deletes and the history of every move. Mixed into {@link MetadataStoreContract}, which supplies
 * the store.
 */
interface AliasContract {

    /** The store under test, on a fresh database. */
    MetadataStore store();

    /** The clock that stamps moves; starts at {@link MetadataStoreContract#T0}. */
    ManualClock clock();

    /** The store's database, for opening more instances on it. */
    String url();

    @Test
    default void movingAnAliasCreatesItThenMovesItAndKeepsEveryMoveOldestFirst() {
        versions("minilm", 3);
        AliasMove created = store().moveAlias("minilm", "production", 1, null, "alice", "first", null);
        clock().advance(Duration.ofSeconds(1));
        AliasMove moved = store().moveAlias("minilm", "production", 3, 1, "gate", null, "{\"recall\":0.93}");

        assertThat(created).isEqualTo(new AliasMove("minilm", "production", null, 1, "alice", "first", T0, null));
        assertThat(moved).isEqualTo(new AliasMove("minilm", "production", 1, 3, "gate", null, T0.plusSeconds(1),
                "{\"recall\":0.93}"));
        assertThat(store().findAlias("minilm", "production"))
                .contains(new Alias("minilm", "production", 3, T0.plusSeconds(1)));
        assertThat(store().aliasHistory("minilm", "production")).containsExactly(created, moved);
    }

    @Test
    default void compareAndSetRefusesAStaleExpectationAndChangesNothing() {
        versions("minilm", 3);
        store().moveAlias("minilm", "production", 2, null, "alice", null, null);

        assertThatThrownBy(() -> store().moveAlias("minilm", "production", 3, 1, "bob", "stale", null))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("alias minilm@production points at version 2, not 1");
        assertThatThrownBy(() -> store().moveAlias("minilm", "staging", 3, 1, "bob", null, null))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("alias minilm@staging does not exist");

        assertThat(store().findAlias("minilm", "production")).map(Alias::version).contains(2);
        assertThat(store().findAlias("minilm", "staging")).isEmpty();
        assertThat(store().aliasHistory("minilm", null)).hasSize(1);
        assertThat(store().moveAlias("minilm", "production", 3, 2, "bob", null, null).fromVersion()).isEqualTo(2);
    }

    @Test
    default void anAliasCanOnlyPointAtAnExistingVersion() {
        versions("minilm", 1);
        assertThatThrownBy(() -> store().moveAlias("minilm", "production", 2, null, "alice", null, null))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("minilm/2: no such model version");
        assertThatThrownBy(() -> store().moveAlias("other", "production", 1, null, "alice", null, null))
                .hasMessageContaining("other/1: no such model version");
        assertThat(store().aliasHistory("minilm", null)).isEmpty();
    }

    @Test
    default void deletingAnAliasRecordsTheMoveAndAMissingAliasCannotBeDeleted() {
        versions("minilm", 2);
        AliasMove created = store().moveAlias("minilm", "canary", 2, null, "alice", null, null);
        clock().advance(Duration.ofMinutes(1));
        AliasMove deleted = store().deleteAlias("minilm", "canary", "bob", "rolled back");

        assertThat(deleted).isEqualTo(new AliasMove("minilm", "canary", 2, null, "bob", "rolled back",
                T0.plusSeconds(60), null));
        assertThat(store().findAlias("minilm", "canary")).isEmpty();
        assertThat(store().aliasHistory("minilm", "canary")).containsExactly(created, deleted);
        assertThatThrownBy(() -> store().deleteAlias("minilm", "canary", "bob", null))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("alias minilm@canary does not exist");
        assertThat(store().aliasHistory("minilm", "canary")).hasSize(2);
    }

    @Test
    default void listsAliasesByNameAndByVersionAndTheHistoryOfAllAliasesInMoveOrder() {
        versions("minilm", 2);
        versions("other", 1);
        AliasMove m1 = store().moveAlias("minilm", "staging", 2, null, "a", null, null);
        AliasMove m2 = store().moveAlias("minilm", "Production", 1, null, "a", null, null);
        AliasMove m3 = store().moveAlias("minilm", "canary", 2, null, "a", null, null);
        store().moveAlias("other", "production", 1, null, "a", null, null);
        AliasMove m4 = store().moveAlias("minilm", "staging", 1, 2, "a", null, null);

        assertThat(store().listAliases("minilm")).extracting(Alias::alias).containsExactly("Production", "canary", "staging");
        assertThat(store().aliasesOfVersion("minilm", 1)).extracting(Alias::alias).containsExactly("Production", "staging");
        assertThat(store().aliasesOfVersion("minilm", 2)).extracting(Alias::alias).containsExactly("canary");
        assertThat(store().listAliases("nope")).isEmpty();
        assertThat(store().aliasHistory("minilm", null)).containsExactly(m1, m2, m3, m4);
        assertThat(store().aliasHistory("minilm", "staging")).containsExactly(m1, m4);
    }

    @Test
    default void aliasNamesActorsAndDetailsAreChecked() {
        versions("minilm", 1);
        for (String bad : List.of("", "1", "123", "2prod", "pro d", "prod@x", "prod.x", "x".repeat(65))) {
            assertThatThrownBy(() -> store().moveAlias("minilm", bad, 1, null, "alice", null, null))
                    .as(bad)
                    .isInstanceOf(OrchestratorException.class)
                    .hasMessageContaining("invalid alias name");
        }
        assertThat(Alias.isValidAlias("p" + "x".repeat(63))).isTrue();
        assertThat(Alias.isValidAlias("prod_2-b")).isTrue();
        assertThatThrownBy(() -> store().moveAlias("bad name", "prod", 1, null, "alice", null, null))
                .hasMessageContaining("invalid model name");
        assertThatThrownBy(() -> store().moveAlias("minilm", "prod", 1, null, " ", null, null))
                .hasMessageContaining("needs an actor");
        assertThatThrownBy(() -> store().moveAlias("minilm", "prod", 1, null, "alice", null, "{not json"))
                .hasMessageContaining("is not valid JSON");
        assertThat(store().aliasHistory("minilm", null)).isEmpty();
    }

    @Test
    default void concurrentCompareAndSetMoversThroughSeveralInstancesNeverLoseAMove() throws Exception {
        versions("minilm", 5);
        store().moveAlias("minilm", "production", 1, null, "setup", null, null);
        int movers = 4;
        int movesEach = 15;
        ExecutorService pool = Executors.newFixedThreadPool(movers);
        List<MetadataStore> stores = new ArrayList<>();
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int m = 0; m < movers; m++) {
                MetadataStore own = MetadataStore.open(url(), clock());
                stores.add(own);
                String actor = "mover-" + m;
                results.add(pool.submit(() -> {
                    int refused = 0;
                    for (int done = 0; done < movesEach; ) {
                        int current = own.findAlias("minilm", "production").orElseThrow().version();
                        try {
                            own.moveAlias("minilm", "production", current % 5 + 1, current, actor, null, null);
                            own.moveAlias("minilm", "canary-" + actor, current, null, actor, null, null);
                            done++;
                        } catch (OrchestratorException e) {
                            assertThat(e).hasMessageContaining("as expected; nothing changed");
                            refused++;
                        }
                    }
                    return refused;
                }));
            }
            for (Future<Integer> result : results) {
                result.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            stores.forEach(MetadataStore::close);
        }
        List<AliasMove> production = store().aliasHistory("minilm", "production");
        assertThat(production).hasSize(1 + movers * movesEach);
        for (int i = 1; i < production.size(); i++) {
            assertThat(production.get(i).fromVersion()).as("move %d starts where move %d ended", i, i - 1)
                    .isEqualTo(production.get(i - 1).toVersion());
        }
        assertThat(store().aliasHistory("minilm", null)).hasSize(1 + 2 * movers * movesEach);
    }

    private void versions(String name, int count) {
        for (int v = 1; v <= count; v++) {
            store().insertModelVersion(new ModelVersion(name, v, SNAPSHOT_A, T0, null));
        }
    }
}
