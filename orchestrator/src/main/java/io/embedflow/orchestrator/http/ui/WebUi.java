package io.embedflow.orchestrator.http.ui;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.http.Html;
import io.embedflow.orchestrator.http.HttpRoutes;
import io.embedflow.orchestrator.http.StatusServer;
import io.embedflow.orchestrator.report.Reports;
import io.javalin.config.RoutesConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The web UI of {@code embedflow serve}, mounted on its {@link StatusServer}: a few pages that
 * share one HTML shell and one small script, which renders each page from the JSON API below and
 * polls it while the page is open (every second for runs). Everything is served from this jar; no
 * page loads anything from elsewhere, and nothing inline runs (see {@link Html#PAGE_POLICY}).
 *
 * <p>Pages: {@code /} and {@code /runs} (runs with live status and progress), {@code /runs/ID},
 * {@code /models}, {@code /models/NAME} (versions, aliases, alias history), {@code /schedules}
 * (the queue per tenant from {@code /api/queue}, and the refresh specs), {@code /schedules/NAME},
 * {@code /lineage?table=T} (a table back to its model and data snapshots and run).
 *
 * <p>JSON ({@link UiViews}): {@code /api/queue} (serve's queue), {@code /api/runs?limit=N},
 * {@code /api/runs/ID}, {@code /api/models}, {@code /api/models/NAME}, {@code /api/schedules},
 * {@code /api/schedules/NAME}, {@code /api/lineage?table=T}; unknown names answer {@code 404}. Run reports:
 * {@code /reports/RUN.html} from {@code <home>/reports/} ({@link ReportFiles}).
 *
 * <pre>{@code
 * StatusServer.builder().setAddress("127.0.0.1", 8765).setToken(token)
 *         .optRoutes(WebUi.of(home, daemon::status, Clock.systemUTC()))
 *         .start();
 * }</pre>
 */
public final class WebUi implements HttpRoutes {

    /** Where the shell, script and stylesheet are on the class path. */
    private static final String RESOURCES = "/io/embedflow/orchestrator/http/ui/";
    private static final String STATIC = "/static/";
    /** Browsers ask for it on every page that names no icon (a report may not); an empty answer keeps the console clean. */
    private static final String FAVICON = "/favicon.ico";
    private static final List<String> PAGES = List.of("/", "/runs", "/runs/{id}", "/models", "/models/{name}", "/schedules",
            "/schedules/{name}", "/lineage");
    /** Reports are self-contained pages: their own inline styles and scripts, and nothing fetched. */
    private static final String REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
            + "img-src 'self' data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final UiApi api;
    private final ReportFiles reports;
    private final Function<String, Optional<Path>> writeReport;
    private final Supplier<?> queue;
    private final byte[] shell;
    private final Map<String, Asset> assets;

    private WebUi(UiApi api, ReportFiles reports, Function<String, Optional<Path>> writeReport, Supplier<?> queue) {
        this.api = api;
        this.reports = reports;
        this.writeReport = writeReport;
        this.queue = queue;
        this.shell = resource("page.html");
        this.assets = Map.of(
                "app.js", new Asset("text/javascript; charset=utf-8", resource("app.js")),
                "app.css", new Asset("text/css; charset=utf-8", resource("app.css")));
    }

    /**
     * The UI of {@code home}, with run reports from {@code <home>/reports/}.
     *
     * @param queue what {@code /api/queue} answers: serve's queue per tenant and its running runs
     *     ({@code ServeDaemon::status}), called on request threads
     */
    public static WebUi of(EmbedflowHome home, Supplier<?> queue, Clock clock) {
        ReportFiles reports = new ReportFiles(home.root().resolve("reports"));
        Reports writer = Reports.of(home);
        // a finished run whose report was never written (older runs, a daemon that stopped first) gets it on request
        Function<String, Optional<Path>> writeReport = runId -> home.metadata().findRun(runId)
                .filter(r -> r.id().equals(runId) && r.status().isTerminal())
                .map(r -> writer.ensure(r.id()));
        return new WebUi(new UiApi(home, reports, clock), reports, writeReport, Objects.requireNonNull(queue, "queue"));
    }

    @Override
    public List<String> publicPrefixes() {
        return List.of(STATIC, FAVICON);
    }

    @Override
    public void addTo(RoutesConfig routes) {
        for (String page : PAGES) {
            routes.get(page, ctx -> ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-store")
                    .header("Content-Security-Policy", Html.PAGE_POLICY).result(shell));
        }
        routes.get(STATIC + "{file}", this::asset);
        routes.get(FAVICON, ctx -> ctx.status(204));
        routes.get("/api/queue", ctx -> StatusServer.json(ctx, 200, queue.get()));
        routes.get("/api/runs", ctx -> StatusServer.json(ctx, 200, api.runs(limit(ctx))));
        routes.get("/api/runs/{id}", ctx -> StatusServer.json(ctx, 200, found(runById(ctx.pathParam("id")), "run")));
        routes.get("/api/models", ctx -> StatusServer.json(ctx, 200, api.models()));
        routes.get("/api/models/{name}", ctx -> StatusServer.json(ctx, 200, found(api.model(ctx.pathParam("name")), "model")));
        routes.get("/api/schedules", ctx -> StatusServer.json(ctx, 200, api.specs()));
        routes.get("/api/schedules/{name}", ctx -> StatusServer.json(ctx, 200,
                found(api.spec(ctx.pathParam("name")), "refresh spec")));
        routes.get("/api/lineage", ctx -> StatusServer.json(ctx, 200, found(lineage(ctx.queryParam("table")),
                "table recorded as a run's output")));
        routes.get(ReportFiles.PATH + "{file}", this::report);
    }

    private void asset(Context ctx) {
        Asset asset = assets.get(ctx.pathParam("file"));
        if (asset == null) {
            throw new NotFoundResponse("no such file: " + ctx.path());
        }
        ctx.contentType(asset.contentType()).header("Cache-Control", "no-cache").result(asset.bytes());
    }

    private void report(Context ctx) {
        String name = ctx.pathParam("file");
        Path file = reports.resolve(name).or(() -> missingReport(name))
                .orElseThrow(() -> new NotFoundResponse("no such report: " + ctx.path()));
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read report " + file, e);
        }
        ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-cache")
                .header("Content-Security-Policy", REPORT_POLICY).result(bytes);
    }

    /** Writes the report of a finished run that has none yet, and resolves it again. */
    private Optional<Path> missingReport(String name) {
        if (!ReportFiles.isReportName(name)) {
            return Optional.empty();
        }
        try {
            writeReport.apply(name.substring(0, name.length() - ".html".length()));
        } catch (RuntimeException e) {
            return Optional.empty();   // not a run, or its report cannot be written: the same 404
        }
        return reports.resolve(name);
    }

    private Optional<UiViews.RunDetail> runById(String id) {
        try {
            return api.run(id);
        } catch (OrchestratorException ambiguous) {
            throw new BadRequestResponse(ambiguous.getMessage());
        }
    }

    private Optional<UiViews.Lineage> lineage(String table) {
        if (table == null || table.isBlank()) {
            throw new BadRequestResponse("give the table as ?table=LOCATION");
        }
        try {
            return api.lineage(table);
        } catch (OrchestratorException unreadable) {
            throw new NotFoundResponse(unreadable.getMessage());
        }
    }

    private static int limit(Context ctx) {
        String limit = ctx.queryParam("limit");
        if (limit == null) {
            return UiApi.DEFAULT_RUNS;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= UiApi.MAX_RUNS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadRequestResponse("limit must be a number from 1 to " + UiApi.MAX_RUNS + ", was '" + limit + "'");
    }

    private static <T> T found(Optional<T> value, String what) {
        return value.orElseThrow(() -> new NotFoundResponse("no such " + what));
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebUi.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the web UI's " + name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web UI's " + name, e);
        }
    }

    private record Asset(String contentType, byte[] bytes) {
    }
}
