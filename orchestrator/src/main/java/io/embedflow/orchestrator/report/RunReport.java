package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.shard.DataFile;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.refresh.DataSnapshotJson;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jsoup.nodes.Element;

/**
 * Renders one run's report from its {@link RunFacts}: a header with the status (and the error of a
 * failed run), inputs and lineage, then the sections of the run's kind ({@link TableRunSections}
 * for refresh and infer, {@link TrainSections}, {@link EvalSections} for eval and bless), and the
 * configuration. Pure: reads nothing but the facts.
 */
final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private RunReport() {}

    static String render(RunFacts facts, Instant now) {
        RunRecord run = facts.run();
        HtmlPage page = new HtmlPage(title(run) + " " + run.id());
        header(page, run);
        lineage(page, facts);
        switch (run.kind()) {
            case "refresh", "infer" -> TableRunSections.render(page, facts);
            case "train" -> TrainSections.render(page, facts);
            case "eval" -> EvalSections.renderEval(page, facts);
            case "bless" -> EvalSections.renderBless(page, facts);
            default -> { }
        }
        config(page, run);
        if (!facts.notes().isEmpty()) {
            Element notes = page.section("Notes", "notes");
            Element ul = notes.appendElement("ul");
            facts.notes().forEach(n -> ul.appendElement("li").text(n));
        }
        page.body().appendElement("footer").appendElement("p").addClass("note")
                .text("Written by embedflow at " + TIME.format(now.truncatedTo(ChronoUnit.SECONDS)) + ".");
        return page.html();
    }

    private static String title(RunRecord run) {
        return switch (run.kind()) {
            case "refresh" -> "Refresh";
            case "infer" -> "Batch inference";
            case "train" -> "Training";
            case "eval" -> "Evaluation";
            case "bless" -> "Bless";
            default -> "Run (" + run.kind() + ")";
        };
    }

    private static void header(HtmlPage page, RunRecord run) {
        Element header = page.body().appendElement("header");
        Element h1 = header.appendElement("h1");
        h1.appendText(title(run) + " run ");
        h1.appendElement("code").text(run.id());
        Element line = header.appendElement("p");
        line.appendElement("span").addClass("status").addClass(run.status().name()).text(run.status().name());
        line.appendText("  started " + TIME.format(run.startedAt().truncatedTo(ChronoUnit.MILLIS)));
        if (run.finishedAt() != null) {
            line.appendText(", finished " + TIME.format(run.finishedAt().truncatedTo(ChronoUnit.MILLIS))
                    + String.format(Locale.ROOT, " (%.1f s)", run.duration().toMillis() / 1000.0));
        }
        if (run.error() != null) {
            header.appendElement("h2").text("Error");
            header.appendElement("pre").addClass("error").id("error").text(run.error());
        }
    }

    private static void lineage(HtmlPage page, RunFacts facts) {
        RunRecord run = facts.run();
        Element section = page.section("Inputs and lineage", "lineage");
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("run", HtmlPage.code(run.id()));
        rows.put("kind", run.kind());
        rows.put("model", run.modelRef());
        rows.put("model snapshot", HtmlPage.code(run.modelSnapshotId()));
        rows.put("data snapshot", HtmlPage.code(run.dataSnapshotId()));
        if (facts.data() != null) {
            rows.put("data", describe(facts.data().root(), facts.data().filesJson()));
        }
        rows.put("input", HtmlPage.code(run.inputPath()));
        rows.put("output", HtmlPage.code(run.outputPath()));
        if (facts.table() != null) {
            if (facts.table().version() != null) {
                rows.put("table version", facts.table().version());
            }
            if (facts.table().manifest().baseVersion() != null) {
                rows.put("base version", facts.table().manifest().baseVersion() + " (incremental: unchanged rows kept)");
            }
        }
        RunOrigin origin = run.origin();
        if (origin != null) {
            rows.put("refresh spec", origin.spec());
            rows.put("trigger", origin.describeTrigger());
            if (origin.queueRequest() != null) {
                rows.put("queue request", origin.queueRequest());
            }
        } else {
            rows.put("trigger", "started by hand (CLI)");
        }
        if (run.replayOf() != null) {
            rows.put("replay of", HtmlPage.runLink(run.replayOf()));
        }
        rows.put("code version", HtmlPage.code(run.codeVersion()));
        if (run.logLocation() != null) {
            rows.put("log", HtmlPage.code(run.logLocation()));
        }
        HtmlPage.keyValues(section, rows);
    }

    /** A data snapshot in a few words: where, how many files, how many bytes. */
    private static String describe(String root, String filesJson) {
        try {
            List<DataFile> files = DataSnapshotJson.decode(filesJson);
            long bytes = files.stream().mapToLong(DataFile::sizeBytes).sum();
            return files.size() + " file(s), " + HtmlPage.number(bytes) + " bytes under " + root;
        } catch (RuntimeException e) {
            return root;
        }
    }

    private static void config(HtmlPage page, RunRecord run) {
        if (run.configJson() == null) {
            return;
        }
        Element section = page.section("Configuration", "config");
        Element details = section.appendElement("details");
        details.appendElement("summary").text("The run's configuration as recorded");
        try {
            JsonNode config = JSON.readTree(run.configJson());
            if (config.isObject()) {
                Map<String, Object> rows = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    rows.put(e.getKey(), HtmlPage.code(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
                }
                HtmlPage.keyValues(details, rows);
                return;
            }
        } catch (Exception e) {
            // shown as recorded below
        }
        details.appendElement("pre").addClass("mono").text(run.configJson());
    }
}
