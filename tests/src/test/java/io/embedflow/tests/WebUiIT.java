package io.embedflow.tests;

import static io.embedflow.tests.ServeIT.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.http.BearerToken;
import io.embedflow.orchestrator.http.StatusServer;
import io.embedflow.orchestrator.http.ui.WebUi;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.queue.TenantPolicy;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.schedule.ObjectStoreDatasetProbe;
import io.embedflow.orchestrator.serve.CapacitySource;
import io.embedflow.orchestrator.serve.RefreshLauncher;
import io.embedflow.orchestrator.serve.ServeConfig;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * serve's web UI in a real headless browser (Debian's chromium through chromedriver) against a home
 * with a model and an alias, a finished refresh and a refresh spec, on the endpoint as {@code serve}
 * starts it: every page renders without a console error, a run's status and progress move while
 * its page is open, its report and lineage open from it, and with a token the browser signs in
 * once. Screenshots land in {@code target/screenshots/}. Skipped where chromium or chromedriver is
 * not installed ({@code .ci/run} installs both).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiIT {

    static final String TOKEN = "web-ui-token-0123456789abcdef";

    @TempDir
    static Path tmp;
    Path table;
    String embedRun;
    EmbedflowHome home;
    EmbeddedFlink flink;
    ServeDaemon daemon;
    StatusServer server;
    HeadlessChromium browser;
    URI base;

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), "the web UI's browser tests need Debian's chromium and "
                + "chromium-driver (" + HeadlessChromium.CHROMIUM + ", " + HeadlessChromium.CHROMEDRIVER
                + "): apt-get install chromium chromium-driver");
        Path data = tmp.resolve("data/docs");
        EmbedCliIT.writeDataset(data, 30, 21);
        Cli cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        ok(cli.run("model", "alias", "tiny@prod", "tiny/1", "--reason", "first release"));
        table = tmp.resolve("tables/docs");
        ok(cli.run("embed", "--model", "tiny@prod", "--input", data.toString(), "--id-column", "id", "--text-column", "body",
                "--output", table.toString(), "--parallelism", "1", "--no-progress"));
        embedRun = TableManifest.read(table).runId();
        Path spec = tmp.resolve("specs/docs.yaml");
        Files.createDirectories(spec.getParent());
        Files.writeString(spec, "name: docs\ntenant: search\ndataset: ../data/docs\nidColumn: id\ntextColumn: body\n"
                + "model: tiny@prod\noutput: ../tables/docs\ntriggers:\n  cron: \"0 3 * * *\"\n");
        ok(cli.run("schedule", "add", spec.toString()));

        // the endpoint as `embedflow serve` starts it, with its daemon (which runs nothing here: no pass is made)
        home = EmbedflowHome.open(tmp.resolve("home"));
        flink = EmbeddedFlink.start(1);
        ServeConfig config = ServeConfig.builder().optName("web-ui-it").optLogFile(tmp.resolve("serve.log"))
                .optTenants(List.of(TenantPolicy.of("search", 2))).build();
        daemon = ServeDaemon.create(config, home.metadata(), home.registry(), new ObjectStoreDatasetProbe(S3Settings.defaults()),
                flink, new RefreshLauncher(new RefreshRunner(home.metadata(), home.registry()), flink, home.metadata()),
                CapacitySource.fixed(1), Clock.systemUTC());
        server = StatusServer.builder().setAddress("127.0.0.1", 0).setToken(Optional.empty())
                .optRoutes(WebUi.of(home, daemon::status, Clock.systemUTC())).start();
        base = server.address();
        browser = HeadlessChromium.start(tmp.resolve("chromium-profile"), screenshots());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {browser, server, daemon, flink, home}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // the next one still closes
                }
            }
        }
    }

    @BeforeEach
    void freshLog() {
        browser.consoleErrors();
    }

    @Test
    void everyPageRendersWithoutConsoleErrors() throws Exception {
        browser.open(base + "/");
        assertThat(browser.text("tr[data-run='" + embedRun + "'] .status")).isEqualTo("SUCCEEDED");
        assertThat(browser.text("tr[data-run='" + embedRun + "'] .progress-text")).isEqualTo("100%");
        page("runs");

        browser.open(base + "/runs/" + embedRun);
        assertThat(browser.text("#run-status")).isEqualTo("SUCCEEDED");
        assertThat(browser.text("#metrics")).contains("rowsPerSecond");
        page("run");

        browser.open(base + "/models");
        assertThat(browser.text("tr[data-model='tiny']")).contains("tiny/1").contains("prod → 1");
        page("models");
        browser.click("tr[data-model='tiny'] a");
        browser.awaitReady();
        assertThat(browser.text("#alias-history")).contains("tiny@prod").contains("first release");
        assertThat(browser.text("#model-runs")).contains(embedRun);
        page("model");

        browser.open(base + "/schedules");
        assertThat(browser.text("tr[data-tenant='search']")).startsWith("search 2");
        assertThat(browser.text("tr[data-spec='docs']")).contains("search").contains("tiny@prod").contains("cron '0 3 * * *'");
        page("schedules");
        browser.click("tr[data-spec='docs'] a");
        browser.awaitReady();
        assertThat(browser.text("pre")).contains("name: docs");
        page("schedule");

        browser.open(base + "/lineage");
        assertThat(browser.text("#tables")).contains(table.toString());
        page("tables");
    }

    @Test
    void aRunningRunsStatusAndProgressMoveWhileItsPagesAreOpen() throws Exception {
        String id = RunIds.newId();
        RunRecord started = RunRecord.started(id, "refresh", "tiny/1", null, null, "/in", "/out/live", "{}", "dev", Instant.now())
                .withCounts(200, 0, 0, 0).withOrigin(new RunOrigin("docs", "MANUAL", "by the test", null, null));

        browser.open(base + "/runs");
        markPage();
        home.metadata().insertRun(started);
        browser.awaitText("tr[data-run='" + id + "'] .status", "RUNNING");
        home.metadata().recordRunProgress(id, 50);
        browser.awaitText("tr[data-run='" + id + "'] .progress-text", "25%");
        page("runs-running");
        home.metadata().recordRunProgress(id, 150);
        browser.awaitText("tr[data-run='" + id + "'] .progress-text", "75%");
        assertThat(pageKept()).as("updated without a reload").isTrue();

        browser.open(base + "/runs/" + id);
        markPage();
        assertThat(browser.text("#run-progress-text")).isEqualTo("75%");
        home.metadata().updateRun(started.finished(RunStatus.SUCCEEDED, 200, 198, 2, 0, Instant.now(), null));
        browser.awaitText("#run-status", "SUCCEEDED");
        browser.awaitText("#run-progress-text", "100%");
        assertThat(pageKept()).as("updated without a reload").isTrue();
        page("run-succeeded");
    }

    @Test
    void aRunsReportAndTheLineageOfItsTableOpenFromItsPage() throws Exception {
        Path reports = Files.createDirectories(tmp.resolve("home/reports"));
        Path report = reports.resolve(embedRun + ".html");
        if (!Files.exists(report)) {
            Files.writeString(report, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Report " + embedRun
                    + "</title><link rel=\"icon\" href=\"data:,\"></head><body><h1>Run " + embedRun + "</h1></body></html>");
        }
        browser.open(base + "/runs/" + embedRun);
        browser.click("#report-link");
        browser.await(d -> d.getCurrentUrl().endsWith("/reports/" + embedRun + ".html"));
        assertThat(browser.driver().findElement(By.tagName("body")).getText()).contains(embedRun);
        page("report");

        browser.open(base + "/runs/" + embedRun);
        browser.click("#lineage-link");
        browser.await(d -> d.getCurrentUrl().contains("/lineage?table="));
        browser.awaitReady();
        TableManifest manifest = TableManifest.read(table);
        assertThat(browser.text("#lineage-model-snapshot")).isEqualTo(manifest.modelSnapshotId());
        assertThat(browser.text("#lineage-data-snapshot")).isEqualTo(manifest.dataSnapshotId());
        assertThat(browser.text("#data-files")).contains(".parquet");
        assertThat(browser.text("#lineage-run")).isEqualTo(embedRun);
        assertThat(browser.text("main")).contains("tiny@prod");
        page("lineage");
    }

    @Test
    void withATokenTheBrowserSignsInOnceAndThenSeesThePages() throws Exception {
        try (StatusServer guarded = StatusServer.builder().setAddress("127.0.0.1", 0)
                .setToken(Optional.of(BearerToken.of(TOKEN, "test")))
                .optRoutes(WebUi.of(home, daemon::status, Clock.systemUTC())).start()) {
            browser.driver().manage().deleteAllCookies();
            browser.driver().get(guarded.address() + "/models");
            browser.await(d -> d.getCurrentUrl().contains("/login?next=%2Fmodels"));
            page("login");
            browser.driver().findElement(By.id("token")).sendKeys(TOKEN);
            browser.click("button[type=submit]");
            browser.await(d -> d.getCurrentUrl().endsWith("/models"));
            browser.awaitReady();
            assertThat(browser.text("tr[data-model='tiny']")).contains("tiny/1");
            page("models-signed-in");
        } finally {
            browser.driver().manage().deleteAllCookies();
        }
    }

    /** Saves a screenshot of the page and checks it logged no error to the console. */
    private void page(String name) throws Exception {
        browser.screenshot(name);
        assertThat(browser.consoleErrors()).as("console errors on " + browser.driver().getCurrentUrl()).isEmpty();
    }

    /** Marks the page in the browser's memory: a reload would forget it. */
    private void markPage() {
        browser.driver().executeScript("window.embedflowTestMark = 'kept';");
    }

    private boolean pageKept() {
        return "kept".equals(browser.driver().executeScript("return window.embedflowTestMark;"));
    }

    private static Path screenshots() {
        return Path.of(System.getProperty("basedir", ".")).resolve("target/screenshots");
    }
}
