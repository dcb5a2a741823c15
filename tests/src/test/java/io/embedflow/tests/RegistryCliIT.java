package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model registry through the CLI: snapshots, dedupe, archives, aliases and their history. */
class RegistryCliIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("home"));
    }

    Path modelCopy(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(TestModels.fixture("tiny-dict"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    JsonNode json(Cli.Result result) throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return JSON.readTree(result.out());
    }

    @Test
    void importsAreContentAddressedAndDeduplicated() throws IOException {
        Path model = modelCopy("m");
        JsonNode first = json(cli.run("model", "import", model.toString(), "--name", "tiny", "--json"));
        assertThat(first.get("ref").asText()).isEqualTo("tiny/1");
        assertThat(first.get("created").asBoolean()).isTrue();
        assertThat(first.get("bytesStored").asLong()).isEqualTo(first.get("bytes").asLong());

        JsonNode again = json(cli.run("model", "import", model.toString(), "--name", "tiny", "--json"));
        assertThat(again.get("ref").asText()).isEqualTo("tiny/1");
        assertThat(again.get("created").asBoolean()).isFalse();
        assertThat(again.get("bytesStored").asLong()).isZero();

        Files.writeString(model.resolve("serving.properties"), "pooling=cls\nnormalize=false\nmaxLength=16\n");
        JsonNode changed = json(cli.run("model", "import", model.toString(), "--name", "tiny", "--json"));
        assertThat(changed.get("ref").asText()).isEqualTo("tiny/2");
        assertThat(changed.get("snapshotId").asText()).isNotEqualTo(first.get("snapshotId").asText());
        assertThat(changed.get("bytesStored").asLong()).isEqualTo(Files.size(model.resolve("serving.properties")));
        assertThat(changed.get("dedupeRatio").asDouble()).isGreaterThan(0.9);

        JsonNode list = json(cli.run("model", "list", "--json"));
        assertThat(list).hasSize(2);
        JsonNode show = json(cli.run("model", "show", "tiny/2", "--json"));
        assertThat(show.get("files")).hasSize(3);
    }

    @Test
    void archivesImportToTheSameSnapshotAndZipSlipIsRefused() throws IOException {
        Path model = modelCopy("m");
        String dirSnapshot = json(cli.run("model", "import", model.toString(), "--name", "tiny", "--json")).get("snapshotId").asText();

        Path zip = tmp.resolve("model.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            try (Stream<Path> files = Files.list(model)) {
                for (Path f : files.sorted().toList()) {
                    out.putNextEntry(new ZipEntry(f.getFileName().toString()));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
        JsonNode fromZip = json(cli.run("model", "import", zip.toString(), "--name", "tiny", "--json"));
        assertThat(fromZip.get("snapshotId").asText()).isEqualTo(dirSnapshot);
        assertThat(fromZip.get("ref").asText()).isEqualTo("tiny/1");

        Path tarGz = tmp.resolve("model.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", tarGz.toString(), "-C", model.toString(), ".").inheritIO().start();
        try {
            assertThat(tar.waitFor()).isZero();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(json(cli.run("model", "import", tarGz.toString(), "--name", "tiny", "--json")).get("snapshotId").asText())
                .isEqualTo(dirSnapshot);

        Path evil = tmp.resolve("evil.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(evil))) {
            out.putNextEntry(new ZipEntry("../../escaped.txt"));
            out.write("gotcha".getBytes());
            out.closeEntry();
        }
        Cli.Result refused = cli.run("model", "import", evil.toString(), "--name", "evil");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("../../escaped.txt");
        assertThat(tmp.resolve("escaped.txt")).doesNotExist();
        assertThat(tmp.getParent().resolve("escaped.txt")).doesNotExist();
        assertThat(json(cli.run("model", "list", "--json"))).hasSize(1);
    }

    @Test
    void aliasesMoveAndEveryMoveIsKept() throws IOException {
        Path model = modelCopy("m");
        cli.run("model", "import", model.toString(), "--name", "tiny");
        Files.writeString(model.resolve("serving.properties"), "pooling=cls\n");
        cli.run("model", "import", model.toString(), "--name", "tiny");

        assertThat(cli.run("model", "alias", "tiny@production", "1", "--reason", "first", "--actor", "ana").exitCode()).isZero();
        assertThat(json(cli.run("model", "show", "tiny@production", "--json")).get("ref").asText()).isEqualTo("tiny/1");
        assertThat(cli.run("model", "alias", "tiny@production", "tiny/2", "--reason", "better recall").exitCode()).isZero();
        assertThat(json(cli.run("model", "show", "tiny@production", "--json")).get("ref").asText()).isEqualTo("tiny/2");

        Cli.Result stale = cli.run("model", "alias", "tiny@production", "1", "--expect", "1");
        assertThat(stale.exitCode()).isEqualTo(1);
        assertThat(stale.err()).contains("2");

        JsonNode history = json(cli.run("model", "history", "tiny@production", "--json"));
        assertThat(history).hasSize(2);
        assertThat(history.get(0).get("to").asText()).isEqualTo("tiny/1");
        assertThat(history.get(0).get("actor").asText()).isEqualTo("ana");
        assertThat(history.get(0).get("reason").asText()).isEqualTo("first");
        assertThat(history.get(1).get("from").asText()).isEqualTo("tiny/1");
        assertThat(history.get(1).get("to").asText()).isEqualTo("tiny/2");
        assertThat(history.get(1).get("actor").asText()).isEqualTo(System.getProperty("user.name"));

        assertThat(cli.run("model", "alias", "tiny@production", "--delete", "--reason", "retired").exitCode()).isZero();
        assertThat(json(cli.run("model", "history", "tiny", "--json"))).hasSize(3);
        assertThat(cli.run("model", "show", "tiny@production").exitCode()).isEqualTo(1);
    }

    @Test
    void unknownNamesListCloseOnes() throws IOException {
        cli.run("model", "import", modelCopy("m").toString(), "--name", "minilm");
        cli.run("model", "alias", "minilm@production", "1");
        Cli.Result name = cli.run("model", "show", "minilmm");
        assertThat(name.exitCode()).isEqualTo(1);
        assertThat(name.err()).contains("minilmm").contains("did you mean minilm");
        Cli.Result alias = cli.run("model", "show", "minilm@prodution");
        assertThat(alias.err()).contains("did you mean minilm@production");
        Cli.Result version = cli.run("model", "show", "minilm/9");
        assertThat(version.err()).contains("minilm/9").contains("known versions of minilm: 1");
    }

    @Test
    void aTamperedSnapshotIsRefusedNamingTheFile() throws IOException {
        cli.run("model", "import", modelCopy("m").toString(), "--name", "tiny");
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 20, 2);
        Cli.Result ok = cli.run("embed", "--model", "tiny", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("t1").toString());
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        Path cached;
        try (Stream<Path> walk = Files.walk(tmp.resolve("home/cache/snapshots"))) {
            cached = walk.filter(p -> p.getFileName().toString().equals("serving.properties")).findFirst().orElseThrow();
        }
        Files.writeString(cached, "pooling=cls\n");
        Cli.Result refused = cli.run("embed", "--model", "tiny", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("t2").toString(), "--force");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("serving.properties").contains("modified");
        assertThat(tmp.resolve("t2")).doesNotExist();
    }

    @Test
    void concurrentImportsAndAliasMovesKeepEverything() throws Exception {
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path m = modelCopy("m" + i);
            Files.writeString(m.resolve("serving.properties"), "pooling=mean\nmaxLength=" + (16 + i) + "\n");
            models.add(m);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Cli.Result>> results = new ArrayList<>();
            for (Path m : models) {
                results.add(pool.submit(() -> new Cli(tmp.resolve("home")).run("model", "import", m.toString(), "--name", "tiny")));
            }
            List<String> refs = new ArrayList<>();
            for (Future<Cli.Result> f : results) {
                Cli.Result r = f.get();
                assertThat(r.exitCode()).as(r.toString()).isZero();
                refs.add(r.out().trim());
            }
            assertThat(refs).containsExactlyInAnyOrder("tiny/1", "tiny/2", "tiny/3", "tiny/4");
            List<Future<Cli.Result>> moves = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int v = 1 + i % 4;
                moves.add(pool.submit(() -> new Cli(tmp.resolve("home")).run("model", "alias", "tiny@candidate", "" + v)));
            }
            for (Future<Cli.Result> f : moves) {
                assertThat(f.get().exitCode()).as(f.get().toString()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(json(cli.run("model", "history", "tiny@candidate", "--json"))).hasSize(20);
    }

}
