package io.embedflow.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.snapshot.SnapshotFile;
import io.embedflow.connectors.snapshot.SnapshotManifest;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {

    @TempDir
    Path tmp;

    private Path root;
    private SnapshotStore store;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("snapshots");
        store = new SnapshotStore(root);
    }

    @Test
    void importCopiesEveryFileRecursivelyWithSizesAndHashes() throws IOException {
        Path model = modelDir("model", "weights");

        ModelSnapshot snapshot = imported(model);

        assertThat(snapshot.id()).matches("[0-9a-f]{64}");
        assertThat(snapshot.files()).extracting(SnapshotFile::path)
                .containsExactly(".hidden", "config/serving.properties", "model.pt", "tokenizer.json");
        SnapshotFile weights = snapshot.files().get(2);
        assertThat(weights.size()).isEqualTo(7);
        assertThat(weights.sha256()).isEqualTo(SnapshotManifest.sha256Hex("weights".getBytes(StandardCharsets.UTF_8)));
        assertThat(snapshot.directory()).isEqualTo(root.resolve("cache").resolve(snapshot.id()));
        assertThat(snapshot.resolve(weights)).hasContent("weights");
        assertThat(snapshot.directory().resolve("config/serving.properties")).hasContent("engine=PyTorch");
        assertThat(snapshot.totalSize()).isEqualTo(snapshot.files().stream().mapToLong(SnapshotFile::size).sum());
        assertThat(model.resolve("model.pt")).as("source untouched").hasContent("weights");
    }

    @Test
    void manifestIsCanonicalJsonAndIdIsItsHash() throws IOException {
        Path model = tmp.resolve("m");
        write(model.resolve("b.txt"), "B");
        write(model.resolve("a \"q\".txt"), "");

        ModelSnapshot snapshot = imported(model);

        byte[] manifest = Files.readAllBytes(manifestFile(snapshot.id()));
        String expected = "{\"files\":[{\"path\":\"a \\\"q\\\".txt\",\"sha256\":\"" + SnapshotManifest.sha256Hex(new byte[0])
                + "\",\"size\":0},{\"path\":\"b.txt\",\"sha256\":\"" + SnapshotManifest.sha256Hex(new byte[] {'B'})
                + "\",\"size\":1}]}";
        assertThat(new String(manifest, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(snapshot.id()).isEqualTo(SnapshotManifest.sha256Hex(manifest));
    }

    @Test
    void sameContentGetsSameIdAndOneChangedByteANewOne() throws IOException {
        ModelSnapshot first = imported(modelDir("one", "weights"));
        ModelSnapshot again = imported(modelDir("two", "weights"));
        ModelSnapshot changed = imported(modelDir("three", "weighTs"));

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again).isEqualTo(first);
        assertThat(changed.id()).isNotEqualTo(first.id());
        assertThat(snapshotDirs()).containsExactlyInAnyOrder(first.id(), changed.id());
    }

    @Test
    void renamingAFileChangesTheId() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        write(a.resolve("x.bin"), "same");
        write(b.resolve("y.bin"), "same");

        assertThat(imported(a).id()).isNotEqualTo(imported(b).id());
    }

    @Test
    void temporaryDirectoriesNeverLeftBehind() throws IOException {
        imported(modelDir("one", "weights"));
        imported(modelDir("two", "weights"));
        Path bad = modelDir("bad", "weights");
        Files.createSymbolicLink(bad.resolve("escape"), tmp.resolve("one/model.pt"));
        assertThatThrownBy(() -> imported(bad)).isInstanceOf(OrchestratorException.class);

        try (Stream<Path> entries = Files.list(root)) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".tmp-"));
        }
    }

    @Test
    void symlinkLeadingOutsideTheDirectoryIsRefusedByName() throws IOException {
        Path outside = tmp.resolve("secret.txt");
        write(outside, "not part of the model");
        Path model = modelDir("model", "weights");
        Files.createSymbolicLink(model.resolve("config/linked.txt"), outside);
        Files.createSymbolicLink(model.resolve("parent"), tmp);

        assertThatThrownBy(() -> imported(model))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("symlink 'config/linked.txt' points outside")
                .hasMessageContaining("symlink 'parent' points outside")
                .hasMessageContaining(model.toString());
        assertThat(root).satisfiesAnyOf(r -> assertThat(r).doesNotExist(), r -> assertThat(snapshotDirs()).isEmpty());
    }

    @Test
    void symlinkInsideTheDirectoryIsCopiedAsAFile() throws IOException {
        Path model = modelDir("model", "weights");
        Files.createSymbolicLink(model.resolve("alias.pt"), Path.of("model.pt"));

        ModelSnapshot snapshot = imported(model);

        assertThat(snapshot.files()).extracting(SnapshotFile::path).contains("alias.pt");
        Path copied = snapshot.directory().resolve("alias.pt");
        assertThat(Files.isSymbolicLink(copied)).isFalse();
        assertThat(copied).hasContent("weights");
    }

    @Test
    void brokenSymlinkIsRefusedByName() throws IOException {
        Path model = modelDir("model", "weights");
        Files.createSymbolicLink(model.resolve("dangling"), Path.of("nowhere"));

        assertThatThrownBy(() -> imported(model)).hasMessageContaining("symlink 'dangling' is broken");
    }

    @Test
    void missingEmptyOrNonDirectorySourcesAreErrors() throws IOException {
        Path missing = tmp.resolve("missing");
        Path empty = Files.createDirectories(tmp.resolve("empty/sub"));
        Path file = write(tmp.resolve("file.txt"), "x");

        assertThatThrownBy(() -> imported(missing))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining(missing + ": it does not exist");
        assertThatThrownBy(() -> imported(empty.getParent()))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("contains no files");
        assertThatThrownBy(() -> imported(file))
                .isInstanceOf(OrchestratorException.class).hasMessageContaining("not a directory");
    }

    @Test
    void aDirectoryHoldingTheStoreIsRefused() throws IOException {
        imported(modelDir("model", "weights"));

        assertThatThrownBy(() -> imported(tmp))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("contains the snapshot store");
    }

    @Test
    void findReadsTheManifestAndIgnoresUnknownOrInvalidIds() throws IOException {
        ModelSnapshot snapshot = imported(modelDir("model", "weights"));

        assertThat(store.find(snapshot.id())).contains(snapshot);
        assertThat(new SnapshotStore(root).find(snapshot.id())).contains(snapshot);
        assertThat(store.find("0".repeat(64))).isEmpty();
        assertThat(store.find("../etc")).isEmpty();
        assertThat(store.find(null)).isEmpty();
    }

    @Test
    void verifyPassesOnAnIntactSnapshot() throws IOException {
        ModelSnapshot snapshot = imported(modelDir("model", "weights"));

        assertThat(store.verify(snapshot.id())).isEqualTo(snapshot);
    }

    @Test
    void verifyNamesATamperedFile() throws IOException {
        ModelSnapshot snapshot = imported(modelDir("model", "weights"));
        write(snapshot.directory().resolve("config/serving.properties"), "engine=OnnxRuntime");

        assertThatThrownBy(() -> store.verify(snapshot.id()))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining(snapshot.id())
                .hasMessageContaining("file 'config/serving.properties' was modified");
    }

    @Test
    void verifyNamesAMissingFileAndAnAddedOne() throws IOException {
        ModelSnapshot snapshot = imported(modelDir("model", "weights"));
        Files.delete(snapshot.directory().resolve("model.pt"));
        write(snapshot.directory().resolve("extra.bin"), "?");

        assertThatThrownBy(() -> store.verify(snapshot.id()))
                .hasMessageContaining("file 'model.pt' is missing")
                .hasMessageContaining("file 'extra.bin' is not part of it");
    }

    @Test
    void verifyOfAnUnknownSnapshotIsAnError() {
        assertThatThrownBy(() -> store.verify("f".repeat(64)))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("not found");
    }

    @Test
    void aTamperedManifestIsReported() throws IOException {
        ModelSnapshot snapshot = imported(modelDir("model", "weights"));
        write(manifestFile(snapshot.id()), "{\"files\":[]}");

        assertThatThrownBy(() -> store.find(snapshot.id()))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("does not hash to its id");
    }

    private ModelSnapshot imported(Path dir) {
        return store.verify(store.importDirectory(dir).snapshot().id());
    }

    private Path manifestFile(String id) {
        return root.resolve("objects/snapshots/" + id + ".json");
    }

    @Test
    void anImportReportsItsBytesHashedThenStoredUpToTwiceTheModelsSize() throws IOException {
        Path model = modelDir("big", "w");
        byte[] weights = new byte[9 << 20];
        new java.util.Random(7).nextBytes(weights);
        Files.write(model.resolve("model.pt"), weights);
        List<Long> seen = new java.util.ArrayList<>();
        long[] planned = {-1};
        boolean[] finished = {false};

        SnapshotStore.ImportResult result = store.importDirectory(model, new ImportProgress() {
            @Override
            public void planned(long bytes) {
                planned[0] = bytes;
            }

            @Override
            public void progress(long bytes) {
                seen.add(bytes);
            }

            @Override
            public void finished() {
                finished[0] = true;
            }
        });

        assertThat(planned[0]).isEqualTo(2 * result.bytes());
        assertThat(seen).isSorted().last().isEqualTo(2 * result.bytes());
        assertThat(seen.stream().filter(b -> b <= result.bytes()).count()).as("the 9 MB file reported while hashed")
                .isGreaterThan(2);
        assertThat(finished[0]).isTrue();
    }

    @Test
    void identicalFilesAreStoredOnceAcrossSnapshots() throws IOException {
        SnapshotStore.ImportResult first = store.importDirectory(modelDir("one", "weights"));
        Path second = modelDir("two", "weights");
        write(second.resolve("tokenizer.json"), "{\"vocab\":{\"a\":1}}");
        SnapshotStore.ImportResult changed = store.importDirectory(second);

        assertThat(first.bytesStored()).isEqualTo(first.bytes());
        assertThat(changed.bytesStored()).isEqualTo(Files.size(second.resolve("tokenizer.json")));
        assertThat(changed.dedupeRatio()).isGreaterThan(0.5);
        try (Stream<Path> blobs = Files.walk(root.resolve("objects/blobs"))) {
            assertThat(blobs.filter(Files::isRegularFile).count()).isEqualTo(5);
        }
    }

    @Test
    void gcKeepsEverythingReferencedAndRemovesTheRest() throws IOException {
        ModelSnapshot kept = imported(modelDir("one", "weights"));
        ModelSnapshot dropped = imported(modelDir("two", "other weights"));

        SnapshotStore.GcReport dry = store.gc(java.util.Set.of(kept.id()), true);
        assertThat(dry.snapshots()).containsExactly(dropped.id());
        assertThat(dry.blobs()).hasSize(1);
        assertThat(store.contains(dropped.id())).isTrue();

        store.gc(java.util.Set.of(kept.id()), false);
        assertThat(store.contains(dropped.id())).isFalse();
        assertThat(store.verify(kept.id())).isEqualTo(kept);
        assertThat(root.resolve("cache").resolve(dropped.id())).doesNotExist();
    }

    private Path modelDir(String name, String weights) throws IOException {
        Path dir = tmp.resolve(name);
        write(dir.resolve("model.pt"), weights);
        write(dir.resolve("tokenizer.json"), "{\"vocab\":{}}");
        write(dir.resolve("config/serving.properties"), "engine=PyTorch");
        write(dir.resolve(".hidden"), "kept too");
        return dir;
    }

    private List<String> snapshotDirs() throws IOException {
        if (!Files.isDirectory(root.resolve("objects/snapshots"))) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root.resolve("objects/snapshots"))) {
            return entries.map(p -> p.getFileName().toString().replace(".json", "")).toList();
        }
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
