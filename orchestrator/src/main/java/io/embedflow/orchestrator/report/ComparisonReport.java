package io.embedflow.orchestrator.report;

import io.embedflow.orchestrator.eval.BootstrapResult;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jsoup.nodes.Element;

/**
 * Renders the report of an A/B comparison ({@link ModelComparison}): both models and their
 * evaluation runs, a table of each metric for A and B with the difference B − A, its interval and
 * what it shows, and a chart of the differences with their intervals. Pure.
 */
final class ComparisonReport {
    private ComparisonReport() {}

    static String render(ModelComparison c, Instant now) {
        HtmlPage page = new HtmlPage("A/B " + c.a().model() + " vs " + c.b().model());
        Element header = page.body().appendElement("header");
        Element h1 = header.appendElement("h1");
        h1.appendText("A/B comparison: ");
        h1.appendElement("code").text(c.a().model());
        h1.appendText(" (A) vs ");
        h1.appendElement("code").text(c.b().model());
        h1.appendText(" (B)");
        BootstrapResult any = c.intervals().values().stream().findFirst().orElse(null);
        header.appendElement("p").text(c.queries() + " queries, the same for both models"
                + (any == null ? "." : String.format(Locale.ROOT, "; %d%% intervals of B − A from %,d paired bootstrap "
                        + "resamples of the queries (seed %d).", Math.round(any.confidence() * 100), any.resamples(), any.seed())));

        Element models = page.section("Models", "models");
        List<List<?>> who = new ArrayList<>();
        for (var side : List.of(c.a(), c.b())) {
            who.add(Arrays.asList(side == c.a() ? "A" : "B", side.model(), HtmlPage.code(side.snapshotId()),
                    HtmlPage.runLink(side.runId())));
        }
        HtmlPage.table(models, List.of("", "model", "snapshot", "evaluation run"), who).id("models-table");
        if (c.corpusTable() != null) {
            HtmlPage.keyValues(models, Map.of("corpus table", HtmlPage.code(c.corpusTable())));
        }

        Element section = page.section("Metrics", "comparison");
        List<List<?>> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<double[]> intervals = new ArrayList<>();
        for (Map.Entry<String, Double> metric : c.a().metrics().entrySet()) {
            String name = metric.getKey();
            Double bValue = c.b().metrics().get(name);
            BootstrapResult r = c.intervals().get(name);
            if (r == null) {
                Double diff = bValue == null ? null : bValue - metric.getValue();
                rows.add(Arrays.asList(name, metric.getValue(), bValue, diff, null, "throughput: no interval"));
                continue;
            }
            String verdict = r.containsZero() ? "no difference shown" : r.lower() > 0 ? "B better" : "B worse";
            Element shown = new Element("span").addClass(r.containsZero() ? "same" : r.lower() > 0 ? "better" : "worse")
                    .text(verdict);
            rows.add(Arrays.asList(name, r.baselineMean(), r.candidateMean(), r.difference(),
                    String.format(Locale.ROOT, "[%.4f, %.4f]", r.lower(), r.upper()), shown));
            names.add(name);
            intervals.add(new double[] {r.difference(), r.lower(), r.upper()});
        }
        HtmlPage.table(section, List.of("metric", "A", "B", "B − A", "interval", "verdict"), rows).id("comparison-table");
        if (!names.isEmpty()) {
            HtmlPage.figure(section, "Difference B − A of each ranking metric with its interval; where an interval crosses "
                    + "the dashed line at zero, the queries cannot tell the two models apart.", () -> Charts.intervals(
                            "metric", "B − A", names, intervals.stream().mapToDouble(v -> v[0]).toArray(),
                            intervals.stream().mapToDouble(v -> v[1]).toArray(),
                            intervals.stream().mapToDouble(v -> v[2]).toArray())).id("comparison-chart");
        }
        page.body().appendElement("footer").appendElement("p").addClass("note").text("Written by embedflow at "
                + DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS)) + ".");
        return page.html();
    }
}
