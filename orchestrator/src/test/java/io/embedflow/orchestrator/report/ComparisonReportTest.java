package io.embedflow.orchestrator.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.eval.BootstrapResult;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

class ComparisonReportTest {
    private static final String MODEL_A = "tiny/1<script>alert(1)</script>";

    private static ModelComparison comparison() {
        Map<String, Double> a = new LinkedHashMap<>();
        a.put("recall@10", 0.80);
        a.put("mrr@10", 0.50);
        a.put("rows_per_s", 900.0);
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("recall@10", 0.85);
        b.put("mrr@10", 0.48);
        b.put("rows_per_s", 850.0);
        Map<String, BootstrapResult> intervals = new LinkedHashMap<>();
        intervals.put("recall@10", new BootstrapResult(30, 0.80, 0.85, 0.05, 0.01, 0.09, 0.95, 10000, 42));
        intervals.put("mrr@10", new BootstrapResult(30, 0.50, 0.48, -0.02, -0.05, 0.01, 0.95, 10000, 42));
        return new ModelComparison(new ModelComparison.Side(MODEL_A, "snapA", "r-a", a),
                new ModelComparison.Side("tiny/2", "snapB", "r-b", b), 30, "/home/eval/r-a/corpus", intervals);
    }

    @Test
    void showsEachMetricWithDifferenceIntervalAndVerdictAndAChartOfTheIntervals() {
        String html = ComparisonReport.render(comparison(), Instant.parse("2026-11-29T11:00:00Z"));
        Document doc = ReportChecks.parseValid(html);
        assertThat(doc.selectFirst("h1").text()).isEqualTo("A/B comparison: " + MODEL_A + " (A) vs tiny/2 (B)");
        assertThat(doc.select("header p").text()).contains("30 queries").contains("95% intervals").contains("10,000");
        assertThat(doc.select("#comparison-table tbody tr").eachText()).containsExactly(
                "recall@10 0.8 0.85 0.05 [0.0100, 0.0900] B better",
                "mrr@10 0.5 0.48 -0.02 [-0.0500, 0.0100] no difference shown",
                "rows_per_s 900 850 -50 – throughput: no interval");
        assertThat(doc.select("#models-table a").eachAttr("href")).containsExactly("r-a.html", "r-b.html");
        List<org.w3c.dom.Document> svgs = ReportChecks.svgs(html);
        assertThat(svgs).hasSize(1);
        assertThat(doc.select("#comparison-chart svg text").eachText()).contains("recall@10", "mrr@10", "B − A");
        assertThat(doc.select("script")).isEmpty();
    }
}
