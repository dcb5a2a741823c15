package io.embedflow.orchestrator.report;

import static io.embedflow.orchestrator.report.ReportFixtures.HOSTILE_ERROR;
import static io.embedflow.orchestrator.report.ReportFixtures.HOSTILE_INPUT;
import static io.embedflow.orchestrator.report.ReportFixtures.HOSTILE_MODEL;
import static io.embedflow.orchestrator.report.ReportFixtures.HOSTILE_TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

class RunReportTest {
    private static final Instant NOW = Instant.parse("2026-11-29T11:00:00Z");

    private static String render(RunFacts facts) {
        return RunReport.render(facts, NOW);
    }

    @Test
    void aRefreshReportShowsLineageCountsThroughputBatchingWaitSubtasksAndRejectedRows() {
        RunFacts facts = ReportFixtures.refresh();
        String html = render(facts);
        Document doc = ReportChecks.parseValid(html);

        assertThat(doc.selectFirst("h1").text()).isEqualTo("Refresh run " + facts.run().id());
        assertThat(doc.select(".status").text()).isEqualTo("SUCCEEDED");
        assertThat(doc.select("section").eachAttr("id")).containsExactly("lineage", "counts", "throughput", "batching", "time",
                "subtasks", "rejected", "config");
        assertThat(row(doc, "#lineage", "model")).isEqualTo(HOSTILE_MODEL);
        assertThat(row(doc, "#lineage", "input")).isEqualTo(HOSTILE_INPUT);
        assertThat(row(doc, "#lineage", "model snapshot")).isEqualTo(facts.run().modelSnapshotId());
        assertThat(row(doc, "#lineage", "table version")).isEqualTo("4");
        assertThat(row(doc, "#lineage", "base version")).startsWith("3");
        assertThat(row(doc, "#lineage", "refresh spec")).isEqualTo("docs<spec>");
        assertThat(row(doc, "#counts", "rows in")).isEqualTo("1,200");
        assertThat(row(doc, "#counts", "rows out")).isEqualTo("1,180");
        assertThat(row(doc, "#counts", "rows rejected")).isEqualTo("20");
        assertThat(row(doc, "#counts", "rows truncated")).isEqualTo("7");
        assertThat(row(doc, "#counts", "rows kept from the base version")).isEqualTo("100");
        assertThat(row(doc, "#counts", "rows changed")).isEqualTo("30");
        assertThat(row(doc, "#batching", "batch fill (real / padded tokens)")).isEqualTo("75.0 %");
        assertThat(row(doc, "#batching", "padding")).isEqualTo("25.0 %");
        assertThat(row(doc, "#time", "model waiting for input")).isEqualTo("37.5 %");
        assertThat(doc.select("#time .note").text()).contains("waited for input for 37.5 %");

        // throughput: a chart with a line through every sample, and the samples as a table
        Element chart = doc.selectFirst("#throughput-chart");
        assertThat(chart.select("svg")).hasSize(1);
        assertThat(doc.select("#timeline tbody tr")).hasSize(5);
        List<org.w3c.dom.Document> svgs = ReportChecks.svgs(html);
        assertThat(svgs).hasSize(2);   // throughput, rows per subtask
        assertThat(ReportChecks.linePoints(svgs.get(0))).as("rows/s: a step per interval; rows done: a point per sample")
                .containsExactlyInAnyOrder(8, 5);

        assertThat(doc.select("#subtasks-table tbody tr")).hasSize(2);
        assertThat(doc.select("#subtasks-table tbody tr").get(0).text()).contains("700").contains("59.3 %");

        assertThat(doc.select("#rejected > p").first().text()).startsWith("20 rows rejected; the first 12 are shown");
        assertThat(doc.select("#rejected-reasons tbody tr").eachText()).containsExactly("empty text 6", "null text 6");
        assertThat(doc.select("#rejected-rows tbody tr")).hasSize(12);
        assertThat(doc.select("#rejected-rows tbody tr").get(1).select("td").eachText())
                .containsExactly("1001", "f<1>.parquet", "1", "empty text", HOSTILE_TEXT);
        assertThat(doc.select("#config td").eachText()).contains("</td><script>x</script>");
    }

    @Test
    void hostileStringsAreTextNeverMarkup() {
        for (RunFacts facts : List.of(ReportFixtures.refresh(), ReportFixtures.failedRefresh(), ReportFixtures.infer(),
                ReportFixtures.train(), ReportFixtures.eval(), ReportFixtures.bless())) {
            String html = render(facts);
            Document doc = ReportChecks.parseValid(html);
            assertThat(doc.select("script, img, b")).as(facts.run().kind()).isEmpty();
            assertThat(doc.text()).contains(HOSTILE_MODEL).contains(HOSTILE_INPUT);
            assertThat(html).doesNotContain("<script").doesNotContain("<img");
        }
    }

    @Test
    void aFailedRunLeadsWithItsErrorAndKeepsWhatItsJobDid() {
        RunFacts facts = ReportFixtures.failedRefresh();
        String html = render(facts);
        Document doc = ReportChecks.parseValid(html);
        assertThat(doc.select(".status").text()).isEqualTo("FAILED");
        assertThat(doc.selectFirst("#error").text()).isEqualTo(HOSTILE_ERROR);
        assertThat(doc.select("#error a")).isEmpty();
        assertThat(doc.select("#timeline tbody tr")).hasSize(2);
        assertThat(doc.select("#notes li").eachText()).containsExactly("the table at x cannot be read");
        assertThat(doc.select("#rejected > .note").text()).startsWith("20 rows were rejected");
    }

    @Test
    void anInferReportShowsQueriesCorpusAndThroughput() {
        String html = render(ReportFixtures.infer());
        Document doc = ReportChecks.parseValid(html);
        assertThat(doc.selectFirst("h1").text()).startsWith("Batch inference run");
        assertThat(row(doc, "#retrieval", "queries")).isEqualTo(HOSTILE_INPUT);
        assertThat(row(doc, "#retrieval", "corpus")).isEqualTo("/tables/<corpus>");
        assertThat(row(doc, "#retrieval", "corpus version")).isEqualTo("2");
        assertThat(row(doc, "#retrieval", "queries/s")).isEqualTo("300.5");
        assertThat(ReportChecks.linePoints(ReportChecks.svgs(html).get(0))).containsExactlyInAnyOrder(4, 3);
    }

    @Test
    void aTrainingReportShowsTheLossCurveGangAndRetrievalBeforeAndAfter() {
        String html = render(ReportFixtures.train());
        Document doc = ReportChecks.parseValid(html);
        assertThat(row(doc, "#training", "candidate registered")).isEqualTo("starter/2");
        assertThat(row(doc, "#training", "attempts (the gang restarts whole)")).isEqualTo("2");
        assertThat(row(doc, "#training", "workers")).isEqualTo("2");
        assertThat(row(doc, "#training", "base snapshot")).isEqualTo("s1");
        assertThat(doc.select("#loss-table tbody tr").eachText()).containsExactly("1 1.25", "2 0.9", "3 0.7", "4 0.5", "5 0.31");
        List<org.w3c.dom.Document> svgs = ReportChecks.svgs(html);
        assertThat(svgs).hasSize(1);
        assertThat(ReportChecks.linePoints(svgs.get(0))).containsExactly(5);
        assertThat(doc.select("#before-after-table tbody tr").eachText()).containsExactly("queries 8 8 –",
                "recall@1 0.25 0.5 +0.25", "recall@5 0.5 0.75 +0.25", "MRR@10 0.4 0.6 +0.2");
    }

    @Test
    void anEvaluationReportShowsItsMetricsAndLinksItsRunsReports() {
        String html = render(ReportFixtures.eval());
        Document doc = ReportChecks.parseValid(html);
        assertThat(doc.select("#metrics-table tbody tr").eachText()).containsExactly("recall@1 0.5", "recall@10 0.9",
                "mrr@10 0.61", "ndcg@10 0.7", "rows_per_s 812.5", "queries_per_s 120");
        assertThat(doc.select("#metrics a[href]").eachAttr("href")).containsExactly("r-20261129-100000-000006.html");
        assertThat(doc.select("#metrics a").eachText()).contains("../../etc/passwd");
        assertThat(ReportChecks.svgs(html)).hasSize(1);
    }

    @Test
    void aBlessReportShowsTheDecisionAndEachGate() {
        Document doc = ReportChecks.parseValid(render(ReportFixtures.bless()));
        assertThat(doc.select("#decision strong").text()).isEqualTo("Not promoted: rejected.");
        assertThat(doc.select("#gates-table tbody tr").get(0).select("td").eachText()).containsExactly(
                "recall@10 >= baseline + 0.01", "0.5", "0.89", "0.9", "FAIL", "recall@10 0.5000 >= 0.9000 (baseline 0.8900 + 0.01): FAIL <b>");
        assertThat(doc.select("#bless-metrics tbody tr").eachText()).containsExactly("recall@10 0.5 0.89");
        assertThat(doc.select("#models a").eachAttr("href")).containsExactly("r-20261129-100000-000008.html",
                "r-20261129-100000-000009.html");
    }

    @Test
    void aRunWithoutMetricsStillGetsAReport() {
        RunFacts bare = new RunFacts(ReportFixtures.run("r-1", "refresh", io.embedflow.orchestrator.metadata.RunStatus.FAILED,
                "cannot plan"), null, null, null, List.of());
        Document doc = ReportChecks.parseValid(render(bare));
        assertThat(doc.select("#throughput .note").text()).contains("No samples");
        assertThat(doc.select("#batching")).isEmpty();
    }

    /** The value in the key-value row named {@code name} under {@code section}. */
    private static String row(Document doc, String section, String name) {
        for (Element tr : doc.select(section + " table.kv tr")) {
            if (tr.selectFirst("th").text().equals(name)) {
                return tr.selectFirst("td").text();
            }
        }
        throw new AssertionError("no row '" + name + "' in " + section);
    }
}
