package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `embedflow train`: a gang of worker processes fine-tunes a registered model, restarts whole from
 * its newest checkpoint when a member is killed, fails naming a member that never joins, and the
 * candidate it registers embeds through the refresh job.
 */
class TrainCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAIRS_SCHEMA = "message p { required binary query (STRING); required binary positive (STRING); }";
    private static final String[] WORDS = ("river city data table model vector search query user order product price "
            + "customer market garden window music travel coffee mountain").split(" ");

    @TempDir
    Path tmp;

    private Cli cli;
    private Path pairs;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.starter().toString(), "--name", "starter"));
        ok(cli.run("model", "alias", "starter@production", "starter/1"));
        pairs = tmp.resolve("pairs");
        writePairs(pairs, 40);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aGangOfTwoFineTunesTheBaseAndItsCandidateEmbedsThroughTheRefreshJob() throws IOException {
        Cli.Result trained = cli.run("train", "--base", "starter@production", "--pairs", pairs.toString(), "--workers", "2",
                "--steps", "9", "--batch", "8", "--lr", "1e-3", "--checkpoint-every", "3", "--held-out", "20",
                "--memory-per-worker", "1Gi", "--no-progress");
        ok(trained);
        assertThat(trained.out()).contains("candidate  starter/2 (alias candidate)").contains("1 attempt(s)");
        String runId = trained.out().lines().filter(l -> l.startsWith("run ")).findFirst().orElseThrow().split("\\s+")[1];
        JsonNode run = JSON.readTree(cli.run("runs", "show", runId, "--json").out());
        JsonNode metrics = run.get("metrics");
        assertThat(metrics.get("attempts").asInt()).isEqualTo(1);
        assertThat(metrics.get("loss").size()).isEqualTo(9);
        assertThat(metrics.get("lastLoss").asDouble()).isLessThan(metrics.get("firstLoss").asDouble());
        assertThat(metrics.at("/before/queries").asInt()).isPositive();
        assertThat(metrics.at("/lineage/baseSnapshot").asText()).isNotBlank();
        assertThat(metrics.at("/lineage/gang/workers").asInt()).isEqualTo(2);
        assertThat(metrics.get("candidate").asText()).isEqualTo("starter/2");
        // checkpoints went to the object store and were removed once the model was registered
        assertThat(Files.readString(tmp.resolve("home/train/" + runId + "/progress.jsonl"))).contains("\"event\":\"checkpoint\"");
        try (Stream<Path> left = Files.walk(tmp.resolve("home/store"))) {
            assertThat(left.filter(p -> p.toString().contains("checkpoints")).filter(Files::isRegularFile)).isEmpty();
        }

        // the candidate runs through the spine's refresh job
        Path input = tmp.resolve("docs");
        EmbedCliIT.writeDataset(input, 20, 3);
        Path table = tmp.resolve("table");
        ok(cli.run("embed", "--model", "starter@candidate", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString()));
        TableManifest manifest = TableManifest.read(table);
        assertThat(manifest.modelRef()).isEqualTo("starter/2");
        assertThat(manifest.rowCount()).isPositive();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void killingAWorkerRestartsTheWholeGangFromTheNewestCheckpointAndItFinishes() throws Exception {
        CompletableFuture<Cli.Result> training = CompletableFuture.supplyAsync(() -> cli.run("train", "--base",
                "starter@production", "--pairs", pairs.toString(), "--workers", "2", "--steps", "14", "--batch", "8",
                "--lr", "1e-3", "--checkpoint-every", "3", "--memory-per-worker", "1Gi", "--no-progress"));
        Path runDir = awaitRunDirectory();
        // once a checkpoint is in the store and training went past it, kill rank 1 like an OOM killer would
        while (!training.isDone() && !(lastEvent(runDir, "checkpoint") >= 3 && lastEvent(runDir, "step") >= 4)) {
            Thread.sleep(50);
        }
        assertThat(training).as("training ended before the kill").isNotDone();
        long pid = Long.parseLong(Files.readString(runDir.resolve("logs/attempt-0/rank-1.pid")).strip());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);

        Cli.Result result = training.get(4, TimeUnit.MINUTES);
        ok(result);
        assertThat(result.out()).contains("2 attempt(s)").contains("restarted  after attempt 0: rank 1 of 2 exited");
        List<JsonNode> starts = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("progress.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            if (node.get("event").asText().equals("start")) {
                starts.add(node);
            }
        }
        assertThat(starts).hasSize(2);
        assertThat(starts.get(0).get("step").asLong()).isZero();
        assertThat(starts.get(1).get("attempt").asInt()).isEqualTo(1);
        assertThat(starts.get(1).get("step").asLong()).as("resumed from the newest checkpoint of attempt 0")
                .isPositive().isEqualTo(lastEventOfAttempt(runDir, "checkpoint", 0));
        // the run record says why the first attempt was restarted: rank 1, killed by signal 9
        JsonNode restarts = JSON.readTree(cli.run("runs", "show", runDir.getFileName().toString(), "--json").out())
                .at("/metrics/restarts");
        assertThat(restarts.size()).as(restarts.toString()).isEqualTo(1);
        assertThat(restarts.get(0).get("attempt").asInt()).isZero();
        assertThat(restarts.get(0).get("rank").asInt()).isEqualTo(1);
        assertThat(restarts.get(0).get("reason").asText()).contains("rank 1 of 2 exited with status 137 (killed by signal 9)");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWorkerThatNeverJoinsFailsTheLaunchNamingItsRank() throws IOException {
        Cli.Result result = cli.run("train", "--base", "starter@production", "--pairs", pairs.toString(), "--workers", "2",
                "--steps", "3", "--batch", "8", "--join-timeout", "PT5S", "--restart-budget", "0",
                "--memory-per-worker", "1Gi", "--no-progress", "--worker-env", "EMBEDFLOW_TESTING_NEVER_JOIN_RANK=1");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("rank 1 of 2 did not join");
        JsonNode runs = JSON.readTree(cli.run("runs", "--json").out());
        assertThat(runs.toString()).contains("FAILED");
        assertThat(cli.run("model", "show", "starter@candidate").exitCode()).isNotZero();
    }

    private Path awaitRunDirectory() throws Exception {
        Path trainDir = tmp.resolve("home/train");
        for (int i = 0; i < 1200; i++) {
            if (Files.isDirectory(trainDir)) {
                try (Stream<Path> runs = Files.list(trainDir)) {
                    List<Path> found = runs.toList();
                    if (!found.isEmpty() && Files.exists(found.get(0).resolve("logs/attempt-0/rank-1.pid"))) {
                        return found.get(0);
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no training run started under " + trainDir);
    }

    /** The highest step of the progress events of kind {@code event} so far (0 for none). */
    private static long lastEvent(Path runDir, String event) throws IOException {
        return lastEventOfAttempt(runDir, event, -1);
    }

    private static long lastEventOfAttempt(Path runDir, String event, int attempt) throws IOException {
        Path progress = runDir.resolve("progress.jsonl");
        if (!Files.exists(progress)) {
            return 0;
        }
        long last = 0;
        for (String line : Files.readAllLines(progress)) {
            if (line.contains("\"event\":\"" + event + "\"")) {
                JsonNode node = JSON.readTree(line);
                if (attempt < 0 || node.get("attempt").asInt() == attempt) {
                    last = Math.max(last, node.get("step").asLong());
                }
            }
        }
        return last;
    }

    /** Pairs whose positive repeats the query's words among others: learnable in a few steps. */
    static void writePairs(Path dir, int n) {
        Random random = new Random(5);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = WORDS[random.nextInt(WORDS.length)];
            String b = WORDS[random.nextInt(WORDS.length)];
            String c = WORDS[random.nextInt(WORDS.length)];
            Map<String, Object> row = new HashMap<>();
            row.put("query", a + " " + b + " " + i);
            row.put("positive", "the " + b + " and " + a + " " + c + " " + i);
            rows.add(row);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Parquet.write(dir.resolve("pairs.parquet"), PAIRS_SCHEMA, rows);
    }

    private static void ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }
}
