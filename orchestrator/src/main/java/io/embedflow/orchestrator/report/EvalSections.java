package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;

/**
 * The sections of an evaluation (kind {@code eval}: the metrics table and chart, and the runs that
 * embedded the corpus and retrieved the queries) and of a bless (kind {@code bless}: the gate
 * decision, each gate, and both models' metrics).
 */
final class EvalSections {
    private EvalSections() {}

    /** Throughput figures among an evaluation's metrics: they have no per-query values and another scale. */
    static boolean isThroughput(String metric) {
        return metric.endsWith("_per_s");
    }

    static void renderEval(HtmlPage page, RunFacts facts) {
        JsonNode m = facts.metrics();
        Element section = page.section("Metrics", "metrics");
        Map<String, Object> about = new LinkedHashMap<>();
        about.put("queries", Figures.number(m, "queries"));
        about.put("corpus table", HtmlPage.code(Figures.text(m, "corpusTable")));
        String corpusRun = Figures.text(m, "corpusRun");
        about.put("corpus embedded by run", corpusRun == null ? null : HtmlPage.runLink(corpusRun));
        String retrievalRun = Figures.text(m, "retrievalRun");
        about.put("queries retrieved by run", retrievalRun == null ? null : HtmlPage.runLink(retrievalRun));
        HtmlPage.keyValues(section, about);
        JsonNode metrics = m.path("metrics");
        if (!metrics.isObject() || metrics.isEmpty()) {
            HtmlPage.note(section, "No metrics were recorded.");
            return;
        }
        List<List<?>> rows = new ArrayList<>();
        List<String> quality = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = metrics.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            rows.add(List.of(e.getKey(), e.getValue().asDouble()));
            if (!isThroughput(e.getKey())) {
                quality.add(e.getKey());
                values.add(e.getValue().asDouble());
            }
        }
        HtmlPage.table(section, List.of("metric", "value"), rows).id("metrics-table");
        if (!quality.isEmpty()) {
            HtmlPage.figure(section, "Mean over the queries of each ranking metric.", () -> Charts.bars("metric", "mean",
                    quality, values.stream().mapToDouble(Double::doubleValue).toArray())).id("metrics-chart");
        }
    }

    static void renderBless(HtmlPage page, RunFacts facts) {
        JsonNode m = facts.metrics();
        Element section = page.section("Gate decision", "decision");
        String decision = Figures.text(m, "decision");
        section.appendElement("p").appendElement("strong").addClass("promoted".equals(decision) ? "better" : "worse")
                .text(decision == null ? "no decision recorded" : decision.equals("promoted")
                        ? "Promoted: every gate passed." : "Not promoted: " + decision + ".");
        List<List<?>> gates = new ArrayList<>();
        for (JsonNode gate : m.path("gates").path("results")) {
            gates.add(Arrays.asList(Figures.text(gate, "gate/expression"), Figures.number(gate, "candidate"),
                    Figures.number(gate, "baseline"), Figures.number(gate, "threshold"),
                    gate.path("passed").asBoolean() ? "pass" : "FAIL", Figures.text(gate, "explanation")));
        }
        HtmlPage.table(section, List.of("gate", "candidate", "baseline", "threshold", "result", "explanation"), gates)
                .id("gates-table");
        Element models = page.section("Candidate and baseline", "models");
        JsonNode candidate = m.path("candidate");
        JsonNode baseline = m.path("baseline");
        Map<String, Object> who = new LinkedHashMap<>();
        who.put("candidate", Figures.text(candidate, "model"));
        who.put("candidate's evaluation", evalLink(candidate));
        who.put("baseline", baseline.isMissingNode() ? "none: the alias pointed nowhere" : Figures.text(baseline, "model"));
        if (!baseline.isMissingNode()) {
            who.put("baseline's evaluation", evalLink(baseline));
        }
        HtmlPage.keyValues(models, who);
        List<List<?>> rows = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = candidate.path("metrics").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            rows.add(Arrays.asList(e.getKey(), e.getValue().asDouble(), Figures.number(baseline, "metrics/" + e.getKey())));
        }
        HtmlPage.table(models, List.of("metric", "candidate", "baseline"), rows).id("bless-metrics");
    }

    private static Element evalLink(JsonNode model) {
        String run = Figures.text(model, "eval");
        return run == null ? null : HtmlPage.runLink(run);
    }
}
