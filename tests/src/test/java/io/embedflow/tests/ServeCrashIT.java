package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.queue.FairShare;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunQueue;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embedflow serve} as a real process, killed with {@code kill -9} while a run's Flink job is
 * writing its table, then started again: the run completes exactly once (one succeeded run record,
 * one table holding every row once, nothing staged left behind), its request and its firing are
 * taken once. The restarted process listens on all addresses, so its endpoint demands the token.
 */
class ServeCrashIT {
    private static final Pattern STATUS_PORT = Pattern.compile("status at http://\\S+:(\\d+)");
    private static final String TOKEN = "crash-test-token-0123456789abcdef";

    @TempDir
    Path tmp;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aServeKilledWithARunInFlightFinishesItExactlyOnceAfterARestart() throws Exception {
        Path home = tmp.resolve("home");
        Map<Long, String> texts = EmbedCliIT.writeDataset(tmp.resolve("data/docs"), 1500, 21);
        Cli cli = new Cli(home);
        ServeIT.ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        Path spec = tmp.resolve("specs/docs.yaml");
        Files.createDirectories(spec.getParent());
        // small batches keep the job busy for a few seconds, long enough to be killed in the middle
        Files.writeString(spec, "name: docs\ndataset: ../data/docs\nidColumn: id\ntextColumn: body\nmodel: tiny\n"
                + "output: ../tables/docs\njobOptions:\n  embedflow.batch.max-rows: 2\n  embedflow.batch.window-rows: 64\n");
        ServeIT.ok(cli.run("schedule", "add", spec.toString()));
        ServeIT.ok(cli.run("schedule", "trigger", "docs"));
        Path tables = tmp.resolve("tables");
        Files.createDirectories(tables);

        Process first = serve(home, "first", "--port", "0");
        try (MetadataStore store = MetadataStore.openSqlite(home.resolve("embedflow.db"))) {
            await(first, "the run's job writing its parts", () -> stagedParts(tables) > 0);
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            List<RunRecord> killed = store.runsOfSpec("docs", 10);
            assertThat(killed).as("killed in flight").singleElement()
                    .satisfies(r -> assertThat(r.status()).isEqualTo(RunStatus.RUNNING));
            try (TableVersions versions = TableVersions.open(tables.resolve("docs").toString(), null)) {
                assertThat(versions.latest()).as("nothing committed yet").isEmpty();
            }

            Path tokenFile = tmp.resolve("token");
            Files.writeString(tokenFile, TOKEN);
            Process second = serve(home, "second", "--port", "0", "--bind", "0.0.0.0", "--token-file", tokenFile.toString());
            RunQueue queue = store.runQueue(FairShare.equal(1), Duration.ofMinutes(1));
            await(second, "the request to succeed", () -> queue.list(QueueState.SUCCEEDED).size() == 1);
            int port = port("second");
            HttpClient http = HttpClient.newHttpClient();
            URI api = URI.create("http://127.0.0.1:" + port + "/api/queue");
            assertThat(http.send(HttpRequest.newBuilder(api).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(401);
            HttpResponse<String> withToken = http.send(HttpRequest.newBuilder(api).header("Authorization", "Bearer " + TOKEN)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(withToken.statusCode()).isEqualTo(200);
            assertThat(withToken.body()).contains("\"capacitySlots\":1");
            // the metrics, under the same token (their format is checked strictly in the orchestrator's ServeMetricsTest)
            URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
            assertThat(http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(401);
            HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Bearer " + TOKEN)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
            assertThat(scraped.body()).contains("embedflow_runs{kind=\"refresh\",status=\"succeeded\"} 1.0\n")
                    .as("the killed run, abandoned").contains("embedflow_runs{kind=\"refresh\",status=\"failed\"} 1.0\n")
                    .contains("embedflow_serve_runs_started_total{tenant=\"default\"} 1.0\n")
                    .contains("embedflow_serve_capacity_slots 1.0\n")
                    .contains("# TYPE embedflow_serve_trigger_to_submit_seconds histogram\n");
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
            assertThat(Files.readString(log("second"))).doesNotContain(TOKEN);

            List<RunRecord> runs = store.runsOfSpec("docs", 10);
            List<RunRecord> succeeded = runs.stream().filter(r -> r.status() == RunStatus.SUCCEEDED).toList();
            assertThat(succeeded).as("%s", runs).hasSize(1);
            RunRecord done = succeeded.get(0);
            assertThat(runs).filteredOn(r -> r != done).singleElement().satisfies(r -> {
                assertThat(r.id()).isEqualTo(killed.get(0).id());
                assertThat(r.status()).isEqualTo(RunStatus.FAILED);
                assertThat(r.error()).startsWith("abandoned: the serve process running it stopped before it finished");
            });

            QueuedRun request = queue.list(QueueState.SUCCEEDED).get(0);
            for (QueueState state : QueueState.values()) {
                assertThat(queue.list(state)).as(state.name()).hasSize(state == QueueState.SUCCEEDED ? 1 : 0);
            }
            assertThat(request.runId()).isEqualTo(done.id());
            assertThat(request.preemptionRetries()).isEqualTo(1);
            assertThat(runs).extracting(r -> r.origin().queueRequest()).containsOnly(request.id());
            assertThat(store.specs().firings("docs", 10)).singleElement()
                    .satisfies(f -> assertThat(f.consumedBy()).isEqualTo("queue:" + request.id()));
            assertThat(store.specs().pending(10)).isEmpty();

            Path table = tables.resolve("docs");
            TableManifest manifest = TableManifest.read(table);
            assertThat(manifest.runId()).isEqualTo(done.id());
            assertThat(ServeIT.ids(table)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(texts.keySet());
            List<String> listed = new ArrayList<>();
            manifest.files().stream().map(TableFile::path).forEach(listed::add);
            manifest.rejectedFiles().stream().map(TableFile::path).forEach(listed::add);
            try (Stream<Path> files = Files.walk(tables)) {
                assertThat(files.filter(Files::isRegularFile).map(p -> table.relativize(p).toString())
                        .filter(p -> !p.endsWith(TableManifest.FILE_NAME) && !p.startsWith(TableVersions.VERSIONS_DIR))
                        .toList())
                        .as("only the table's own files and manifests; nothing staged is left")
                        .containsExactlyInAnyOrderElementsOf(listed);
            }
        }
    }

    /** Starts {@code embedflow serve} in a JVM of its own, as the launcher would, logging to {@code <name>.log}. */
    private Process serve(Path home, String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens")).forEach(command::add);
        for (String property : List.of("ai.djl.offline", "OPT_OUT_TRACKING", "PYTORCH_VERSION", "PYTORCH_FLAVOR", "DJL_CACHE_DIR")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add("-Dembedflow.log.file=" + tmp.resolve(name + "-embedflow.log"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.embedflow.orchestrator.cli.Main",
                "--home", home.toString(), "serve", "--name", "crash-it", "--slots", "1", "--tick", "200ms",
                "--retry-backoff", "1s"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log(name).toFile()).start();
        processes.add(process);
        return process;
    }

    private Path log(String name) {
        return tmp.resolve(name + ".log");
    }

    /** The port serve {@code name} printed that its endpoint listens on. */
    private int port(String name) throws IOException {
        Matcher m = STATUS_PORT.matcher(Files.readString(log(name)));
        if (!m.find()) {
            throw new AssertionError("no status address in the output of serve " + name + ":\n" + logs());
        }
        return Integer.parseInt(m.group(1));
    }

    /** Part files of runs staged beside the table (the job is writing). */
    private static long stagedParts(Path tables) {
        try (Stream<Path> files = Files.walk(tables)) {
            return files.filter(p -> p.toString().contains(".staging-") && p.getFileName().toString().startsWith("part-"))
                    .count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;   // the job is creating or removing them right now
        }
    }

    private void await(Process process, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError("serve exited (" + process.exitValue() + ") before " + what + ":\n" + logs());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 90 s for " + what + ":\n" + logs());
            }
            Thread.sleep(50);
        }
    }

    private String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        for (String name : List.of("first", "second")) {
            if (Files.exists(log(name))) {
                all.append("--- ").append(name).append('\n').append(Files.readString(log(name)));
            }
        }
        return all.toString();
    }
}
