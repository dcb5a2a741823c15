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
 * The sections of a fine-tuning run (kind {@code train}): the training figures and the gang's
 * shape, the loss curve, and the retrieval metric on the held-out pairs before and after.
 */
final class TrainSections {
    /** The figures of {@code RetrievalMetrics}, as its JSON names them, and how the report names them. */
    private static final Map<String, String> RETRIEVAL = new LinkedHashMap<>();

    static {
        RETRIEVAL.put("recallAt1", "recall@1");
        RETRIEVAL.put("recallAt5", "recall@5");
        RETRIEVAL.put("mrrAt10", "MRR@10");
    }

    private TrainSections() {}

    static void render(HtmlPage page, RunFacts facts) {
        JsonNode m = facts.metrics();
        training(page, m);
        loss(page, m);
        retrieval(page, m);
    }

    private static void training(HtmlPage page, JsonNode m) {
        Element section = page.section("Training", "training");
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("candidate registered", Figures.text(m, "candidate"));
        rows.put("steps", Figures.number(m, "steps"));
        rows.put("attempts (the gang restarts whole)", Figures.number(m, "attempts"));
        rows.put("training pairs", Figures.number(m, "trainPairs"));
        rows.put("held-out pairs", Figures.number(m, "heldOutPairs"));
        rows.put("first loss", Figures.number(m, "firstLoss"));
        rows.put("last loss", Figures.number(m, "lastLoss"));
        HtmlPage.keyValues(section, rows).id("training-table");
        section.appendElement("h3").text("Gang and lineage");
        Map<String, Object> gang = new LinkedHashMap<>();
        gang.put("workers", Figures.number(m, "lineage/gang/workers"));
        gang.put("devices per worker", Figures.number(m, "lineage/gang/devicesPerWorker"));
        gang.put("device", Figures.text(m, "lineage/gang/device"));
        gang.put("base model", Figures.text(m, "lineage/base"));
        gang.put("base snapshot", HtmlPage.code(Figures.text(m, "lineage/baseSnapshot")));
        gang.put("training data snapshot", HtmlPage.code(Figures.text(m, "lineage/data")));
        HtmlPage.keyValues(section, gang).id("gang-table");
    }

    private static void loss(HtmlPage page, JsonNode m) {
        Element section = page.section("Loss", "loss");
        JsonNode loss = m.path("loss");
        List<double[]> points = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = loss.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                points.add(new double[] {Double.parseDouble(e.getKey()), e.getValue().asDouble()});
            } catch (NumberFormatException notAStep) {
                // not a step: skipped
            }
        }
        if (points.isEmpty()) {
            HtmlPage.note(section, "No training step was recorded.");
            return;
        }
        points.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] steps = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] values = points.stream().mapToDouble(p -> p[1]).toArray();
        HtmlPage.figure(section, "Training loss at each step (" + points.size() + " steps, as rank 0 reported them; a step "
                + "taken again after a restart shows its latest value).", () -> Charts.lines("step", true, "loss",
                        List.of(new Charts.Series("loss", steps, values)), null, List.of())).id("loss-chart");
        Element details = section.appendElement("details");
        details.appendElement("summary").text("Loss per step");
        List<List<?>> rows = new ArrayList<>();
        for (double[] p : points) {
            rows.add(List.of((long) p[0], p[1]));
        }
        HtmlPage.table(details, List.of("step", "loss"), rows).id("loss-table");
    }

    private static void retrieval(HtmlPage page, JsonNode m) {
        if (m.path("before").isMissingNode() && m.path("after").isMissingNode()) {
            return;
        }
        Element section = page.section("Retrieval on held-out pairs, before and after", "before-after");
        List<List<?>> rows = new ArrayList<>();
        rows.add(Arrays.asList("queries", Figures.number(m, "before/queries"), Figures.number(m, "after/queries"), null));
        for (Map.Entry<String, String> metric : RETRIEVAL.entrySet()) {
            Number before = Figures.number(m, "before/" + metric.getKey());
            Number after = Figures.number(m, "after/" + metric.getKey());
            Element change = null;
            if (before != null && after != null) {
                double d = after.doubleValue() - before.doubleValue();
                change = new Element("span").addClass(d > 0 ? "better" : d < 0 ? "worse" : "same")
                        .text((d > 0 ? "+" : "") + HtmlPage.number(d));
            }
            rows.add(Arrays.asList(metric.getValue(), before, after, change));
        }
        HtmlPage.table(section, List.of("metric", "before (base)", "after (candidate)", "change"), rows).id("before-after-table");
    }
}
