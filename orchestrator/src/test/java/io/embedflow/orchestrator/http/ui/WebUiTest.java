package io.embedflow.orchestrator.http.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.http.Html;
import io.embedflow.orchestrator.http.StatusServer;
import io.embedflow.orchestrator.metadata.ManualClock;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.schedule.Schedule;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web UI's routes and JSON API on a real SQLite home: pages, shapes, 404s, reports and their path rules. */
class WebUiTest {

    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    static final String SNAP_A = "a".repeat(64);
    static final String SNAP_B = "b".repeat(64);
    static final String DATA = "d".repeat(64);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    final ManualClock clock = new ManualClock(T0.plusSeconds(60));
    final HttpClient http = HttpClient.newHttpClient();
    EmbedflowHome home;
    StatusServer server;
    Path table;

    @BeforeEach
    void start() throws Exception {
        Path root = tmp.resolve("home");
        home = EmbedflowHome.open(root, "jdbc:sqlite:" + root.resolve("embedflow.db"), root.resolve("store").toString());
        MetadataStore metadata = home.metadata();
        metadata.insertModelVersion(new ModelVersion("tiny", 1, SNAP_A, T0.minusSeconds(600), "/models/tiny"));
        metadata.insertModelVersion(new ModelVersion("tiny", 2, SNAP_B, T0.minusSeconds(300), "/models/tiny-2"));
        metadata.moveAlias("tiny", "prod", 1, null, "alice", "launch", null);
        metadata.moveAlias("tiny", "prod", 2, 1, "bob", "eval passed", null);

        table = Files.createDirectories(tmp.resolve("tables/docs"));
        new TableManifest(TableManifest.FORMAT, "r-done", SNAP_A, "tiny/1", DATA, "INT64", 8, 97, 3, 0, T0.plusSeconds(9),
                List.of(), List.of()).writeTo(table);
        metadata.saveDataSnapshot(DATA, tmp.resolve("data").toString(), "[{\"path\":\"f0.parquet\",\"size\":1234,\"sha256\":\"" + "e".repeat(64) + "\"}]");
        RunRecord done = RunRecord.started("r-done", "refresh", "tiny/1", SNAP_A, DATA, tmp.resolve("data").toString(),
                table.toString(), "{\"embedflow.parallelism\":\"2\"}", "dev", T0)
                .withOrigin(new RunOrigin("docs", "CRON", "cron 0 3 * * * due", 12L, 7L));
        metadata.insertRun(done);
        metadata.updateRun(done.finished(RunStatus.SUCCEEDED, 100, 97, 3, 0, T0.plusSeconds(10), null));
        metadata.saveRunMetrics("r-done", "{\"rowsPerSecond\":9.7,\"batchFill\":0.8}");
        metadata.insertRun(RunRecord.started("r-running", "refresh", "tiny/2", SNAP_B, DATA, "/in", "/out/x", "{}", "dev",
                T0.plusSeconds(20)).withCounts(100, 0, 0, 0));
        metadata.recordRunProgress("r-running", 40);
        Files.createDirectories(root.resolve("reports"));
        Files.writeString(root.resolve("reports/r-done.html"), "<!doctype html><title>r-done</title><p>report of r-done</p>");

        new Schedule(metadata, clock).add(RefreshSpecYaml.read("docs.yaml", "name: docs\ntenant: search\ndataset: data\n"
                + "idColumn: id\ntextColumn: body\nmodel: tiny@prod\noutput: tables/docs\ntriggers:\n  cron: \"0 3 * * *\"\n", tmp), false);

        server = StatusServer.builder().setAddress("127.0.0.1", 0).setToken(Optional.empty())
                .optRoutes(WebUi.of(home, () -> Map.of("tenants", Map.of()), clock))
                .start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        home.close();
    }

    @Test
    void everyPageIsTheShellUnderAStrictPolicyAndItsScriptAndStylesComeFromTheJar() throws Exception {
        for (String page : List.of("/", "/runs", "/runs/r-done", "/models", "/models/tiny", "/schedules", "/schedules/docs",
                "/lineage", "/lineage?table=x")) {
            HttpResponse<String> r = get(page);
            assertThat(r.statusCode()).as(page).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).as(page).startsWith("text/html");
            assertThat(r.headers().firstValue("Content-Security-Policy")).hasValue(Html.PAGE_POLICY);
            assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(r.body()).contains("<script src=\"/static/app.js\" defer></script>").doesNotContain("http://", "https://");
        }
        assertThat(get("/static/app.js").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(get("/static/app.js").body()).contains("function poll(").doesNotContain("innerHTML");
        assertThat(get("/static/app.css").statusCode()).isEqualTo(200);
        assertThat(get("/static/nope.js").statusCode()).isEqualTo(404);
        HttpResponse<String> nope = get("/nope");
        assertThat(nope.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(nope.body()).get("error").asText()).contains("/nope");
    }

    @Test
    void runsAnswerWithStatusProgressAndLinksNewestFirst() throws Exception {
        JsonNode runs = json("/api/runs");
        assertThat(runs).hasSize(2);
        JsonNode running = runs.get(0);
        assertThat(fields(running)).containsExactly("id", "kind", "status", "model", "modelSnapshotId", "dataSnapshotId", "input",
                "output", "codeVersion", "rowsIn", "rowsOut", "rowsRejected", "rowsTruncated", "progress", "startedAt", "finishedAt",
                "durationSeconds", "rowsPerSecond", "spec", "trigger", "queueRequest", "replayOf", "error", "logLocation", "report",
                "lineage");
        assertThat(running.get("id").asText()).isEqualTo("r-running");
        assertThat(running.get("status").asText()).isEqualTo("RUNNING");
        assertThat(running.get("progress").asDouble()).isEqualTo(0.4);
        assertThat(running.get("durationSeconds").asDouble()).as("to now").isEqualTo(40.0);
        assertThat(running.get("rowsPerSecond").asDouble()).isEqualTo(1.0);
        assertThat(running.get("report").isNull()).isTrue();
        assertThat(running.get("lineage").isNull()).as("not succeeded").isTrue();

        JsonNode done = runs.get(1);
        assertThat(done.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(done.get("spec").asText()).isEqualTo("docs");
        assertThat(done.get("trigger").asText()).isEqualTo("CRON (firing 12): cron 0 3 * * * due");
        assertThat(done.get("report").asText()).isEqualTo("/reports/r-done.html");
        assertThat(done.get("lineage").asText()).isEqualTo("/lineage?table=" + URLEncoder.encode(table.toString(), StandardCharsets.UTF_8));

        assertThat(json("/api/runs?limit=1")).hasSize(1);
        for (String bad : List.of("0", "501", "x")) {
            HttpResponse<String> r = get("/api/runs?limit=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("error").asText()).contains("limit must be a number from 1 to 500");
        }

        JsonNode detail = json("/api/runs/r-done");
        assertThat(fields(detail)).containsExactly("run", "config", "metrics");
        assertThat(detail.at("/config/embedflow.parallelism").asText()).isEqualTo("2");
        assertThat(detail.at("/metrics/batchFill").asDouble()).isEqualTo(0.8);
        assertThat(json("/api/runs/r-running").get("metrics").isNull()).isTrue();
        assertThat(get("/api/runs/r-nope").statusCode()).isEqualTo(404);
        assertThat(get("/api/runs/r-").statusCode()).as("a prefix of both").isEqualTo(404);
    }

    @Test
    void modelsAnswerWithVersionsAliasesAndTheirHistory() throws Exception {
        JsonNode models = json("/api/models");
        assertThat(models).hasSize(1);
        assertThat(fields(models.get(0))).containsExactly("name", "versions", "latest", "latestCreatedAt", "aliases");
        assertThat(models.at("/0/versions").asInt()).isEqualTo(2);
        assertThat(models.at("/0/latest").asText()).isEqualTo("tiny/2");
        assertThat(models.at("/0/aliases/0/ref").asText()).isEqualTo("tiny@prod");
        assertThat(models.at("/0/aliases/0/version").asInt()).isEqualTo(2);

        JsonNode tiny = json("/api/models/tiny");
        assertThat(fields(tiny)).containsExactly("name", "versions", "aliases", "history", "runs");
        assertThat(tiny.at("/versions/1/aliases/0").asText()).isEqualTo("prod");
        assertThat(tiny.at("/versions/0/aliases")).isEmpty();
        assertThat(tiny.get("history")).hasSize(2);
        assertThat(tiny.at("/history/0/actor").asText()).as("newest first").isEqualTo("bob");
        assertThat(tiny.at("/history/0/from").asInt()).isEqualTo(1);
        assertThat(tiny.at("/history/1/from").isNull()).as("created").isTrue();
        assertThat(tiny.get("runs")).extracting(r -> r.get("id").asText()).containsExactly("r-running", "r-done");

        assertThat(get("/api/models/nope").statusCode()).isEqualTo(404);
        assertThat(get("/api/models/..%2Fx").statusCode()).isIn(400, 404);
    }

    @Test
    void schedulesAnswerWithSpecsTheirStateAndRuns() throws Exception {
        JsonNode specs = json("/api/schedules");
        assertThat(specs).hasSize(1);
        assertThat(fields(specs.get(0))).containsExactly("name", "tenant", "priority", "status", "model", "triggers", "lastFired",
                "lastFiredKind", "nextCronDue");
        assertThat(specs.at("/0/tenant").asText()).isEqualTo("search");
        assertThat(specs.at("/0/status").asText()).isEqualTo("active");
        assertThat(specs.at("/0/triggers").asText()).startsWith("cron '0 3 * * *' (UTC)").endsWith("manual");
        assertThat(specs.at("/0/nextCronDue").asText()).isEqualTo("2026-12-02T03:00:00Z");

        JsonNode docs = json("/api/schedules/docs");
        assertThat(fields(docs)).containsExactly("spec", "yaml", "state", "firings", "runs");
        assertThat(docs.get("yaml").asText()).contains("name: docs").contains("tenant: search");
        assertThat(docs.at("/state/cronCheckedAt").asText()).isEqualTo(clock.instant().toString());
        assertThat(docs.get("runs")).extracting(r -> r.get("id").asText()).containsExactly("r-done");
        assertThat(get("/api/schedules/nope").statusCode()).isEqualTo(404);
        assertThat(json("/api/queue").has("tenants")).isTrue();
    }

    @Test
    void lineageLeadsFromARecordedTableBackToItsModelDataAndRun() throws Exception {
        JsonNode lineage = json("/api/lineage?table=" + URLEncoder.encode(table.toString(), StandardCharsets.UTF_8));
        assertThat(lineage.get("rows").asLong()).isEqualTo(97);
        assertThat(lineage.get("modelSnapshotId").asText()).isEqualTo(SNAP_A);
        assertThat(lineage.get("modelVersions")).extracting(JsonNode::asText).containsExactly("tiny/1");
        assertThat(lineage.get("modelAliases")).as("prod moved on to 2").isEmpty();
        assertThat(lineage.get("modelInStore").asBoolean()).isFalse();
        assertThat(lineage.get("dataSnapshotId").asText()).isEqualTo(DATA);
        assertThat(lineage.at("/dataFiles/0/path").asText()).isEqualTo("f0.parquet");
        assertThat(lineage.at("/run/id").asText()).isEqualTo("r-done");

        assertThat(get("/api/lineage?table=" + URLEncoder.encode(tmp.toString(), StandardCharsets.UTF_8)).statusCode())
                .as("no run wrote it").isEqualTo(404);
        assertThat(get("/api/lineage").statusCode()).isEqualTo(400);
        Files.delete(table.resolve(TableManifest.FILE_NAME));
        HttpResponse<String> gone = get("/api/lineage?table=" + URLEncoder.encode(table.toString(), StandardCharsets.UTF_8));
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.body()).contains("cannot be read");
    }

    @Test
    void aFinishedRunWithoutAReportGetsOneWrittenWhenItIsOpened() throws Exception {
        RunRecord old = RunRecord.started("r-old", "refresh", "tiny/1", SNAP_A, DATA, "/in", table.toString(), "{}", "dev",
                T0.minusSeconds(100));
        home.metadata().insertRun(old);
        home.metadata().updateRun(old.finished(RunStatus.SUCCEEDED, 10, 10, 0, 0, T0.minusSeconds(90), null));
        Path reportFile = home.root().resolve("reports/r-old.html");
        assertThat(reportFile).doesNotExist();

        JsonNode runs = json("/api/runs");
        JsonNode listed = null;
        for (JsonNode r : runs) {
            if (r.get("id").asText().equals("r-old")) {
                listed = r;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("report").asText()).isEqualTo("/reports/r-old.html");
        HttpResponse<String> report = get("/reports/r-old.html");
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.body()).contains("r-old");
        assertThat(reportFile).exists();
        assertThat(get("/reports/r-unknown.html").statusCode()).isEqualTo(404);
    }

    @Test
    void reportsAreServedFromTheReportDirectoryAndNothingOutsideIt() throws Exception {
        HttpResponse<String> report = get("/reports/r-done.html");
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.body()).contains("report of r-done");
        assertThat(report.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(p -> assertThat(p)
                .startsWith("default-src 'none'"));
        assertThat(get("/reports/r-running.html").statusCode()).isEqualTo(404);

        Files.writeString(tmp.resolve("home/secret.html"), "top secret");
        List<String> attempts = new ArrayList<>(List.of("/reports/../embedflow.db", "/reports/..%2Fembedflow.db",
                "/reports/%2e%2e/embedflow.db", "/reports/%2e%2e%2fembedflow.db", "/reports/..%5Csecret.html",
                "/reports/../secret.html", "/reports/%2e%2e%2fsecret.html", "/reports/..;/secret.html", "/reports//etc/passwd"));
        for (String attempt : attempts) {
            String response = rawGet(server.address(), attempt);
            assertThat(response).as(attempt).doesNotStartWith("HTTP/1.1 200").doesNotContain("SQLite format").doesNotContain("top secret");
        }
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.address().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The response to a request line sent as written, which no client library would leave unnormalized. */
    private static String rawGet(URI server, String path) throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
