package io.embedflow.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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

class ModelRegistryTest {

    private static final Instant NOW = Instant.parse("2026-11-29T00:50:12Z");

    @TempDir
    Path tmp;

    private MetadataStore metadata;
    private ModelRegistry registry;

    @BeforeEach
    void setUp() {
        metadata = MetadataStore.openSqlite(tmp.resolve("home/metadata.db"));
        registry = new ModelRegistry(new SnapshotStore(tmp.resolve("home/snapshots")), metadata,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void tearDown() {
        metadata.close();
    }

    @Test
    void importRegistersVersionOneThenReusesItForIdenticalContentThenAddsVersionTwo() throws IOException {
        Path dir = model("src", "weights-1");

        ModelVersion first = registry.importModel(dir, "starter");
        assertThat(first.ref()).isEqualTo("starter/1");
        assertThat(first.createdAt()).isEqualTo(NOW);
        assertThat(first.source()).isEqualTo(dir.toAbsolutePath().toString());

        ModelVersion same = registry.importModel(model("copy", "weights-1"), "starter");
        assertThat(same).isEqualTo(first);

        ModelVersion second = registry.importModel(model("changed", "weights-2"), "starter");
        assertThat(second.ref()).isEqualTo("starter/2");
        assertThat(second.snapshotId()).isNotEqualTo(first.snapshotId());

        assertThat(registry.list()).containsExactly(first, second);
    }

    @Test
    void sameContentUnderAnotherNameGetsItsOwnVersionAndSharesTheSnapshot() throws IOException {
        ModelVersion a = registry.importModel(model("src", "w"), "alpha");
        ModelVersion b = registry.importModel(model("src", "w"), "beta");

        assertThat(b.ref()).isEqualTo("beta/1");
        assertThat(b.snapshotId()).isEqualTo(a.snapshotId());
        assertThat(registry.list()).extracting(ModelVersion::ref).containsExactly("alpha/1", "beta/1");
    }

    @Test
    void resolvesLatestAndExplicitVersions() throws IOException {
        registry.importModel(model("v1", "one"), "starter");
        registry.importModel(model("v2", "two"), "starter");

        assertThat(registry.resolve(ModelRef.parse("starter")).version()).isEqualTo(2);
        assertThat(registry.resolve(ModelRef.parse("starter/1")).version()).isEqualTo(1);
    }

    @Test
    void unknownVersionErrorListsKnownVersions() throws IOException {
        registry.importModel(model("v1", "one"), "x");
        registry.importModel(model("v2", "two"), "x");

        assertThatThrownBy(() -> registry.resolve(ModelRef.parse("x/3")))
                .isInstanceOf(OrchestratorException.class)
                .hasMessage("model 'x/3' not found; known versions of x: 1, 2");
    }

    @Test
    void unknownNameErrorListsKnownModels() throws IOException {
        assertThatThrownBy(() -> registry.resolve(ModelRef.parse("ghost")))
                .hasMessage("model 'ghost' not found; no models are registered yet");

        registry.importModel(model("v1", "one"), "starter");

        assertThatThrownBy(() -> registry.resolve(ModelRef.parse("ghost/2")))
                .hasMessage("model 'ghost/2' not found; known models: starter");
    }

    @Test
    void snapshotOfAVersionHoldsItsFiles() throws IOException {
        ModelVersion v = registry.importModel(model("src", "weights"), "starter");

        ModelSnapshot snapshot = registry.snapshot(v);

        assertThat(snapshot.id()).isEqualTo(v.snapshotId());
        assertThat(snapshot.directory().resolve("model.pt")).hasContent("weights");
    }

    @Test
    void invalidNameIsRefusedBeforeAnythingIsCopied() throws IOException {
        Path dir = model("src", "weights");

        assertThatThrownBy(() -> registry.importModel(dir, "bad name"))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("'bad name'");
        assertThat(tmp.resolve("home/snapshots/objects/snapshots")).doesNotExist();
        assertThat(tmp.resolve("home/snapshots/objects/blobs")).doesNotExist();
    }

    @Test
    void concurrentImportsUnderOneNameGetDistinctVersions() throws Exception {
        int imports = 6;
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < imports; i++) {
            dirs.add(model("c" + i, "weights-" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (MetadataStore otherProcess = MetadataStore.openSqlite(tmp.resolve("home/metadata.db"))) {
            ModelRegistry other = new ModelRegistry(new SnapshotStore(tmp.resolve("home/snapshots")), otherProcess);
            List<Future<ModelVersion>> results = new ArrayList<>();
            for (int i = 0; i < imports; i++) {
                ModelRegistry target = i % 2 == 0 ? registry : other;
                Path dir = dirs.get(i);
                results.add(pool.submit(() -> target.importModel(dir, "shared")));
            }
            List<Integer> versions = new ArrayList<>();
            for (Future<ModelVersion> result : results) {
                versions.add(result.get(60, TimeUnit.SECONDS).version());
            }
            assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
        } finally {
            pool.shutdownNow();
        }
    }

    private Path model(String name, String weights) throws IOException {
        Path dir = tmp.resolve("src-models").resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("model.pt"), weights);
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        return dir;
    }
}
