package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.orchestrator.metadata.RunRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jsoup.nodes.Element;

/**
 * The sections of runs that embed rows into a table: refreshes (kind {@code refresh}) and batch
 * inference (kind {@code infer}): counts, throughput over time, batching and padding, where the
 * embedding time went, per-subtask figures, and the rejected rows with their reasons.
 */
final class TableRunSections {
    private TableRunSections() {}

    static void render(HtmlPage page, RunFacts facts) {
        RunRecord run = facts.run();
        JsonNode m = facts.metrics();
        if (run.kind().equals("infer")) {
            retrieval(page, facts);
        } else {
            counts(page, facts);
        }
        throughput(page, run, m);
        if (Figures.number(m, "batches") != null) {
            batching(page, m);
            time(page, m);
        }
        subtasks(page, m);
        rejected(page, facts);
    }

    private static void counts(HtmlPage page, RunFacts facts) {
        RunRecord run = facts.run();
        JsonNode m = facts.metrics();
        Element section = page.section("Counts", "counts");
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("rows in", run.rowsIn());
        rows.put("rows out", run.rowsOut());
        rows.put("rows rejected", run.rowsRejected());
        rows.put("rows truncated", run.rowsTruncated());
        if (Figures.number(m, "rows") != null) {
            rows.put("rows embedded by this run", Figures.number(m, "rows"));
        }
        if (Figures.number(m, "rowsKept") != null) {
            rows.put("rows kept from the base version", Figures.number(m, "rowsKept"));
            rows.put("rows new", Figures.number(m, "rowsNew"));
            rows.put("rows changed", Figures.number(m, "rowsChanged"));
            rows.put("rows dropped", Figures.number(m, "rowsDropped"));
            rows.put("files carried over", Figures.number(m, "filesCarried"));
            rows.put("files rewritten", Figures.number(m, "filesRewritten"));
        }
        if (facts.table() != null) {
            rows.put("vector dimension", facts.table().manifest().dimension());
        }
        HtmlPage.keyValues(section, rows).id("counts-table");
    }

    private static void retrieval(HtmlPage page, RunFacts facts) {
        RunRecord run = facts.run();
        JsonNode m = facts.metrics();
        Element section = page.section("Queries and corpus", "retrieval");
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("queries", HtmlPage.code(run.inputPath()));
        rows.put("query rows in", run.rowsIn());
        rows.put("queries answered", run.rowsOut());
        rows.put("queries rejected", run.rowsRejected());
        rows.put("corpus", HtmlPage.code(Figures.text(m, "corpus")));
        rows.put("corpus version", Figures.number(m, "corpusVersion"));
        rows.put("k", RunFactsReader.configValue(run, "embedflow.retrieval.k").orElse(null));
        rows.put("predictions", Figures.number(m, "predictions"));
        rows.put("queries/s", Figures.number(m, "queriesPerSecond"));
        rows.put("corpus rows scanned", Figures.number(m, "corpusRowsScanned"));
        rows.put("search seconds", Figures.number(m, "searchSeconds"));
        rows.put("embed seconds", Figures.number(m, "embedSeconds"));
        HtmlPage.keyValues(section, rows).id("counts-table");
    }

    private static void throughput(HtmlPage page, RunRecord run, JsonNode m) {
        Element section = page.section("Throughput over time", "throughput");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("rows/s over the run", Math.round(run.rowsPerSecond() * 10) / 10.0);
        if (Figures.number(m, "tokensPerSecond") != null) {
            summary.put("tokens/s", Figures.number(m, "tokensPerSecond"));
        }
        HtmlPage.keyValues(section, summary);
        JsonNode timeline = m.path("timeline");
        if (!timeline.isArray() || timeline.size() < 2) {
            HtmlPage.note(section, "No samples of this run's progress were recorded.");
            return;
        }
        int n = timeline.size();
        double[] seconds = new double[n];
        double[] done = new double[n];
        for (int i = 0; i < n; i++) {
            seconds[i] = timeline.get(i).path(0).asDouble();
            done[i] = timeline.get(i).path(1).asDouble();
        }
        // rows/s in each interval between samples, drawn as a step over the interval
        List<Double> rateX = new ArrayList<>();
        List<Double> rateY = new ArrayList<>();
        List<List<?>> table = new ArrayList<>();
        table.add(List.of(seconds[0], (long) done[0], "–"));
        for (int i = 1; i < n; i++) {
            double dt = seconds[i] - seconds[i - 1];
            if (dt <= 0) {
                continue;
            }
            double rate = Math.max(0, done[i] - done[i - 1]) / dt;
            rateX.add(seconds[i - 1]);
            rateY.add(rate);
            rateX.add(seconds[i]);
            rateY.add(rate);
            table.add(List.of(seconds[i], (long) done[i], Math.round(rate * 10) / 10.0));
        }
        HtmlPage.figure(section, "Rows per second in each interval between samples (blue, left axis) and rows done (red, right "
                + "axis), over seconds since the job was submitted; " + n + " samples.", () -> Charts.lines("seconds", "rows/s",
                        List.of(new Charts.Series("rows/s", toArray(rateX), toArray(rateY))), "rows done",
                        List.of(new Charts.Series("rows done", seconds, done)))).id("throughput-chart");
        Element details = section.appendElement("details");
        details.appendElement("summary").text("Samples");
        HtmlPage.table(details, List.of("seconds", "rows done", "rows/s"), table).id("timeline");
    }

    private static void batching(HtmlPage page, JsonNode m) {
        Element section = page.section("Batch fill and padding", "batching");
        Map<String, Object> rows = new LinkedHashMap<>();
        Number batches = Figures.number(m, "batches");
        Number embedded = Figures.number(m, "rows");
        rows.put("batches", batches);
        if (batches != null && embedded != null && batches.longValue() > 0) {
            rows.put("rows per batch (mean)", embedded.doubleValue() / batches.doubleValue());
        }
        rows.put("tokens", Figures.number(m, "tokens"));
        rows.put("padded tokens (model input)", Figures.number(m, "paddedTokens"));
        Number fill = Figures.number(m, "batchFill");
        rows.put("batch fill (real / padded tokens)", Figures.percent(fill));
        rows.put("padding", fill == null || fill.doubleValue() == 0 ? null : Figures.percent(1 - fill.doubleValue()));
        HtmlPage.keyValues(section, rows).id("batching-table");
    }

    private static void time(HtmlPage page, JsonNode m) {
        Element section = page.section("Where the time went", "time");
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("embed stage wall time (s, summed over subtasks)", Figures.number(m, "embedSeconds"));
        rows.put("model forward passes (s)", Figures.number(m, "forwardSeconds"));
        rows.put("model busy", Figures.percent(Figures.number(m, "modelBusy")));
        rows.put("model waiting for input (s)", Figures.number(m, "inputWaitSeconds"));
        rows.put("model waiting for input", Figures.percent(Figures.number(m, "inputWaitFraction")));
        rows.put("tokenizing, on its own thread (s)", Figures.number(m, "tokenizeSeconds"));
        rows.put("waiting for reads (s)", Figures.number(m, "readWaitSeconds"));
        rows.put("bytes read", Figures.number(m, "bytesRead"));
        rows.put("read MB/s", Figures.number(m, "readMegabytesPerSecond"));
        HtmlPage.keyValues(section, rows).id("time-table");
        Number wait = Figures.number(m, "inputWaitFraction");
        if (wait != null && wait.doubleValue() > 0.25) {
            HtmlPage.note(section, "The model waited for input for " + Figures.percent(wait) + " of the embed stage's time: "
                    + "reading or tokenizing, not the model, limited this run.");
        }
    }

    private static void subtasks(HtmlPage page, JsonNode m) {
        JsonNode subtasks = m.path("subtasks");
        if (!subtasks.isArray() || subtasks.isEmpty()) {
            return;
        }
        Element section = page.section("Per subtask", "subtasks");
        long total = 0;
        for (JsonNode s : subtasks) {
            total += s.path("rows").asLong();
        }
        List<List<?>> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        double[] values = new double[subtasks.size()];
        int i = 0;
        for (JsonNode s : subtasks) {
            long r = s.path("rows").asLong();
            double secs = s.path("embedSeconds").asDouble();
            rows.add(List.of(s.path("subtask").asLong(), r, total == 0 ? "–" : Figures.percent((double) r / total),
                    secs, secs == 0 ? "–" : Math.round(r / secs * 10) / 10.0, s.path("inputWaitSeconds").asDouble()));
            names.add("subtask " + s.path("subtask").asLong());
            values[i++] = r;
        }
        HtmlPage.table(section, List.of("subtask", "rows embedded", "share", "embed seconds", "rows/s", "input wait (s)"), rows)
                .id("subtasks-table");
        if (subtasks.size() > 1) {
            HtmlPage.figure(section, "Rows embedded by each subtask.", () -> Charts.bars("subtask", "rows embedded", names,
                    values));
        }
    }

    private static void rejected(HtmlPage page, RunFacts facts) {
        RunRecord run = facts.run();
        if (run.rowsRejected() == 0 && (facts.table() == null || facts.table().manifest().rejectedCount() == 0)) {
            return;
        }
        Element section = page.section("Rejected rows", "rejected");
        long total = facts.table() != null ? facts.table().manifest().rejectedCount() : run.rowsRejected();
        if (facts.table() == null) {
            HtmlPage.note(section, HtmlPage.number(total) + " rows were rejected; their table cannot be read now.");
            return;
        }
        List<RejectedRow> shown = facts.table().rejected();
        section.appendElement("p").text(HtmlPage.number(total) + " rows rejected"
                + (shown.size() < total ? "; the first " + shown.size() + " are shown" : "") + ". They are kept in the "
                + "table's _rejected part files.");
        Map<String, Integer> reasons = new TreeMap<>();
        shown.forEach(r -> reasons.merge(String.valueOf(r.reason()), 1, Integer::sum));
        List<List<?>> reasonRows = new ArrayList<>();
        reasons.forEach((reason, count) -> reasonRows.add(List.of(reason, (long) count)));
        HtmlPage.table(section, List.of("reason", "rows shown"), reasonRows).id("rejected-reasons");
        List<List<?>> rows = new ArrayList<>();
        for (RejectedRow r : shown) {
            rows.add(java.util.Arrays.asList(String.valueOf(r.id()), HtmlPage.code(r.sourceFile()), r.row() < 0 ? null : r.row(),
                    r.reason(), r.textPrefix() == null ? null : HtmlPage.code(r.textPrefix())));
        }
        HtmlPage.table(section, List.of("id", "source file", "row", "reason", "text (start)"), rows).id("rejected-rows");
    }

    private static double[] toArray(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
