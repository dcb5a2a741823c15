package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lineage of tables, no-op re-runs, exact replays and garbage collection, through the CLI. */
class LineageReplayIT {
    @TempDir
    Path tmp;

    JsonNode json(Cli.Result result) throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return RegistryCliIT.JSON.readTree(result.out());
    }

    @Test
    void lineageNoOpReplayAndGc() throws IOException {
        Cli cli = new Cli(tmp.resolve("home"));
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        cli.run("model", "alias", "tiny@production", "1", "--reason", "launch");
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 200, 4);
        Path table = tmp.resolve("table");
        Cli.Result embed = cli.run("embed", "--model", "tiny@production", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString(), "--parallelism", "2");
        assertThat(embed.exitCode()).as(embed.toString()).isZero();
        TableManifest manifest = TableManifest.read(table);

        // the same model on the same data: nothing to do, unless forced
        Path again = tmp.resolve("again");
        Cli.Result noop = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", again.toString());
        assertThat(noop.exitCode()).as(noop.toString()).isZero();
        assertThat(noop.out()).contains("nothing to do").contains(manifest.runId());
        assertThat(again).doesNotExist();

        JsonNode lineage = json(cli.run("lineage", table.toString(), "--json"));
        assertThat(lineage.at("/model/snapshotId").asText()).isEqualTo(manifest.modelSnapshotId());
        assertThat(lineage.at("/model/versions/0").asText()).isEqualTo("tiny/1");
        assertThat(lineage.at("/model/aliases/0").asText()).isEqualTo("tiny@production");
        assertThat(lineage.at("/data/snapshotId").asText()).isEqualTo(manifest.dataSnapshotId());
        assertThat(lineage.at("/data/files")).hasSize(3);
        assertThat(lineage.at("/run/id").asText()).isEqualTo(manifest.runId());
        assertThat(lineage.at("/run/codeVersion").asText()).isNotBlank();
        assertThat(lineage.at("/run/config").asText()).contains("embedflow.parallelism");
        Cli.Result text = cli.run("lineage", table.toString());
        assertThat(text.out()).contains(manifest.modelSnapshotId()).contains("tiny@production");

        JsonNode byModel = json(cli.run("lineage", "--model", "tiny@production", "--json"));
        assertThat(byModel.at("/runs/0/table").asText()).isEqualTo(table.toString());

        // an exact replay: same ingredients, bit-identical vectors
        Path replay = tmp.resolve("replay");
        Cli.Result replayed = cli.run("runs", "replay", manifest.runId(), "--output", replay.toString());
        assertThat(replayed.exitCode()).as(replayed.toString()).isZero();
        Map<Object, EmbeddingRow> original = RestSubmissionIT.byId(EmbeddingTableReader.readAll(table));
        Map<Object, EmbeddingRow> copy = RestSubmissionIT.byId(EmbeddingTableReader.readAll(replay));
        assertThat(copy.keySet()).isEqualTo(original.keySet());
        for (Object id : original.keySet()) {
            assertThat(Arrays.equals(copy.get(id).embedding(), original.get(id).embedding())).as("id " + id).isTrue();
        }
        String replayRun = TableManifest.read(replay).runId();
        assertThat(json(cli.run("runs", "show", replayRun, "--json")).get("replayOf").asText()).isEqualTo(manifest.runId());

        // garbage: a crashed import's blob and manifest; gc removes them and nothing referenced
        Path store = tmp.resolve("home/store");
        String fake = "ab".repeat(32);
        Path blob = store.resolve("blobs/sha256/ab/" + fake);
        Files.createDirectories(blob.getParent());
        Files.writeString(blob, "orphan");
        Path orphanManifest = store.resolve("snapshots/" + "cd".repeat(32) + ".json");
        Files.writeString(orphanManifest, "{\"files\":[]}");
        long blobsBefore = countFiles(store.resolve("blobs"));
        JsonNode dry = json(cli.run("gc", "--dry-run", "--json"));
        assertThat(dry.get("blobs")).hasSize(1);
        assertThat(dry.get("snapshots")).hasSize(1);
        assertThat(blob).exists();
        json(cli.run("gc", "--json"));
        assertThat(blob).doesNotExist();
        assertThat(orphanManifest).doesNotExist();
        assertThat(countFiles(store.resolve("blobs"))).isEqualTo(blobsBefore - 1);
        Cli.Result afterGc = cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("after-gc").toString(), "--force");
        assertThat(afterGc.exitCode()).as(afterGc.toString()).isZero();

        // a different code version, or a model snapshot gone from the store: refused, naming it
        try (var home = io.embedflow.orchestrator.EmbedflowHome.open(tmp.resolve("home"))) {
            var replays = new io.embedflow.orchestrator.refresh.Replays(home.metadata(), home.registry(), home.snapshots());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> replays.prepare(manifest.runId(), null, "git:0123abc"))
                    .hasMessageContaining("code version is git:0123abc");
        }
        Path manifestObject = store.resolve("snapshots/" + manifest.modelSnapshotId() + ".json");
        byte[] saved = Files.readAllBytes(manifestObject);
        Files.delete(manifestObject);
        Cli.Result gone = cli.run("runs", "replay", manifest.runId(), "--output", tmp.resolve("replay-gone").toString());
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).contains("model snapshot " + manifest.modelSnapshotId() + " is gone");
        Files.write(manifestObject, saved);

        // a changed input file: the replay is refused, naming it
        Path f1 = input.resolve("f1.parquet");
        Files.delete(f1);
        Parquet.write(f1, EmbedCliIT.SCHEMA, java.util.List.of(BadInputIT.row(1, "new content")));
        Cli.Result refused = cli.run("runs", "replay", manifest.runId(), "--output", tmp.resolve("replay2").toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("f1.parquet was modified");
        assertThat(tmp.resolve("replay2")).doesNotExist();
    }

    static long countFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }
}
