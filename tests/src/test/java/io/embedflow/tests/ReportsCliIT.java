package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.parquet.RejectedRowReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.parser.Parser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Run reports through the CLI: after {@code embed}, {@code train} and {@code eval --models A,B}, each
 * run's report is at {@code <home>/reports/<run id>.html}, valid HTML that opens offline, with the
 * run's figures and charts; {@code runs report ID} prints its path and writes it when it is missing.
 */
class ReportsCliIT {
    private static final Pattern SVG = Pattern.compile("<svg[\\s>].*?</svg>", Pattern.DOTALL);
    private static final String PAIRS_SCHEMA =
            "message p { required int64 query_id; required binary query (STRING); required int64 relevant_id; }";

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void anEmbedRunsReportShowsItsCountsRejectedRowsThroughputAndSubtasks() throws Exception {
        Path home = tmp.resolve("home");
        Cli cli = new Cli(home);
        ok(cli.run("model", "import", TestModels.starter().toString(), "--name", "starter"));
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 150, 7);
        Path table = tmp.resolve("table");
        Cli.Result embed = ok(cli.run("embed", "--model", "starter/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", table.toString(), "--parallelism", "2", "--no-progress"));
        String runId = field(embed.out(), "run").split(" ")[0];
        Path report = home.resolve("reports").resolve(runId + ".html");
        assertThat(field(embed.out(), "report")).isEqualTo(report.toString());
        String html = Files.readString(report);
        Document doc = parseValid(html);

        assertThat(doc.selectFirst("h1").text()).contains(runId);
        assertThat(doc.select(".status").text()).isEqualTo("SUCCEEDED");
        List<RejectedRow> rejected = RejectedRowReader.readAll(table);
        assertThat(rejected).isNotEmpty();
        assertThat(row(doc, "#counts", "rows in")).isEqualTo(count(450));
        assertThat(row(doc, "#counts", "rows out")).isEqualTo(count(450 - rejected.size()));
        assertThat(row(doc, "#counts", "rows rejected")).isEqualTo(count(rejected.size()));
        assertThat(row(doc, "#lineage", "model")).isEqualTo("starter/1");
        assertThat(row(doc, "#lineage", "input")).isEqualTo(input.toString());

        // every rejected row with its reason (fewer than the report lists at most)
        assertThat(doc.select("#rejected-rows tbody tr")).hasSize(rejected.size());
        assertThat(new TreeSet<>(doc.select("#rejected-rows tbody tr td:eq(3)").eachText()))
                .isEqualTo(new TreeSet<>(rejected.stream().map(RejectedRow::reason).toList()))
                .contains("null text", "empty text");

        // throughput over time: an SVG chart whose rows-done line runs through every sample, at least start and end
        Element chart = doc.selectFirst("#throughput-chart");
        assertThat(chart.select("svg")).hasSize(1);
        int samples = doc.select("#timeline tbody tr").size();
        assertThat(samples).isGreaterThanOrEqualTo(2);
        assertThat(linePoints(svgs(html).get(0))).contains(samples);
        assertThat(doc.select("#timeline tbody tr").last().select("td").get(1).text()).isEqualTo(count(450));

        // batch fill, input wait, and one row per embedding subtask adding up to the rows embedded
        assertThat(row(doc, "#batching", "batch fill (real / padded tokens)")).endsWith("%");
        assertThat(row(doc, "#time", "model waiting for input")).endsWith("%");
        List<Element> subtasks = doc.select("#subtasks-table tbody tr");
        assertThat(subtasks).hasSize(2);
        long embedded = 0;
        for (Element s : subtasks) {
            embedded += Long.parseLong(s.select("td").get(1).text().replace(",", ""));
        }
        assertThat(embedded).isEqualTo(450 - rejected.size());

        // `runs report` prints the path, and writes a report that is missing (a run from before reports)
        assertThat(ok(cli.run("runs", "report", runId)).out().trim()).isEqualTo(report.toString());
        Files.delete(report);
        assertThat(ok(cli.run("runs", "report", runId.substring(0, 12))).out().trim()).isEqualTo(report.toString());
        assertThat(parseValid(Files.readString(report)).select("#rejected-rows tbody tr")).hasSize(rejected.size());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aTrainingRunsReportShowsItsLossCurveAndRetrievalBeforeAndAfter() throws Exception {
        Path home = tmp.resolve("home");
        Cli cli = new Cli(home);
        ok(cli.run("model", "import", TestModels.starter().toString(), "--name", "starter"));
        Path pairs = tmp.resolve("pairs");
        TrainCliIT.writePairs(pairs, 24);
        Cli.Result trained = ok(cli.run("train", "--base", "starter/1", "--pairs", pairs.toString(), "--workers", "1",
                "--steps", "4", "--batch", "8", "--lr", "1e-3", "--held-out", "20", "--memory-per-worker", "1Gi",
                "--no-progress"));
        String runId = field(trained.out(), "run").split(" ")[0];
        Path report = Path.of(field(trained.out(), "report"));
        assertThat(report).isEqualTo(home.resolve("reports/" + runId + ".html"));
        String html = Files.readString(report);
        Document doc = parseValid(html);

        assertThat(doc.selectFirst("h1").text()).isEqualTo("Training run " + runId);
        assertThat(row(doc, "#training", "candidate registered")).isEqualTo("starter/2");
        assertThat(row(doc, "#training", "attempts (the gang restarts whole)")).isEqualTo("1");
        assertThat(row(doc, "#training", "workers")).isEqualTo("1");
        assertThat(doc.select("#loss-table tbody tr")).hasSize(4);
        assertThat(linePoints(svgs(html).get(0))).containsExactly(4);
        assertThat(doc.select("#before-after-table tbody tr").eachText()).hasSize(4)
                .anySatisfy(r -> assertThat(r).startsWith("recall@1 "));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void anABComparisonWritesAReportWithTheDifferencesAndTheirIntervals() throws Exception {
        Path home = tmp.resolve("home");
        Cli cli = new Cli(home);
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-tuple").toString(), "--name", "tiny"));
        Path corpus = tmp.resolve("docs");
        Map<Long, String> texts = EmbedCliIT.writeDataset(corpus, 10, 31);
        Path pairs = tmp.resolve("pairs");
        writeQueries(pairs, texts);

        Cli.Result ab = ok(cli.run("eval", "--models", "tiny/1,tiny/2", "--pairs", pairs.toString(), "--corpus",
                corpus.toString(), "--corpus-text-column", "body", "--resamples", "500"));
        Path report = Path.of(field(ab.out(), "comparison report"));
        String[] runs = ab.out().lines().filter(l -> l.startsWith("runs ")).findFirst().orElseThrow().replace(";", "")
                .split("\\s+");
        assertThat(report).isEqualTo(home.resolve("reports/eval-" + runs[1] + "-" + runs[2] + ".html"));
        String html = Files.readString(report);
        Document doc = parseValid(html);

        assertThat(doc.selectFirst("h1").text()).isEqualTo("A/B comparison: tiny/1 (A) vs tiny/2 (B)");
        List<String> metrics = doc.select("#comparison-table tbody tr td:eq(0)").eachText();
        assertThat(metrics).contains("recall@1", "recall@10", "mrr@10", "ndcg@10", "rows_per_s", "queries_per_s");
        Element recall = doc.select("#comparison-table tbody tr").stream()
                .filter(r -> r.child(0).text().equals("recall@10")).findFirst().orElseThrow();
        assertThat(recall.child(4).text()).matches("\\[-?\\d\\.\\d{4}, -?\\d\\.\\d{4}]");
        assertThat(recall.child(5).text()).isIn("B better", "B worse", "no difference shown");
        assertThat(doc.select("#comparison-chart svg")).hasSize(1);
        assertThat(svgs(html)).hasSize(1);
        // both evaluations, and the runs inside them, have their own reports, which the comparison links to
        assertThat(doc.select("#models-table a").eachAttr("href")).containsExactly(runs[1] + ".html", runs[2] + ".html");
        for (String run : List.of(runs[1], runs[2])) {
            Document eval = parseValid(Files.readString(home.resolve("reports/" + run + ".html")));
            assertThat(eval.select("#metrics-table tbody tr")).isNotEmpty();
            for (String nested : eval.select("#metrics a[href]").eachAttr("href")) {
                assertThat(home.resolve("reports").resolve(nested)).exists();
            }
        }
    }

    private static void writeQueries(Path dir, Map<Long, String> texts) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        long q = 0;
        for (Map.Entry<Long, String> doc : texts.entrySet()) {
            if (doc.getValue() == null || doc.getValue().isBlank()) {
                continue;
            }
            String[] words = doc.getValue().split(" ");
            Map<String, Object> row = new HashMap<>();
            row.put("query_id", q++);
            row.put("query", String.join(" ", java.util.Arrays.copyOf(words, Math.min(3, words.length))));
            row.put("relevant_id", doc.getKey());
            rows.add(row);
        }
        Files.createDirectories(dir);
        Parquet.write(dir.resolve("pairs.parquet"), PAIRS_SCHEMA, rows);
    }

    /** Parses a report, which must be HTML5 without a parse error, and load and run nothing. */
    static Document parseValid(String html) {
        assertThat(html).startsWith("<!doctype html>");
        Parser parser = Parser.htmlParser().setTrackErrors(50);
        Document doc = Jsoup.parse(html, "", parser);
        assertThat(parser.getErrors()).as("HTML5 parse errors").isEmpty();
        assertThat(doc.select("script, link, iframe, object, embed, img, base")).isEmpty();
        for (Element e : doc.getAllElements()) {
            for (Attribute a : e.attributes()) {
                assertThat(a.getKey()).doesNotStartWith("on");
                if (!a.getKey().startsWith("xmlns")) {
                    assertThat(a.getValue()).as("%s on <%s>", a.getKey(), e.tagName()).doesNotContain("://");
                }
            }
        }
        assertThat(doc.select("style").html()).doesNotContain("url(").doesNotContain("@import");
        return doc;
    }

    /** The report's inline SVG charts, each parsed as XML: well-formed or an assertion error. */
    static List<org.w3c.dom.Document> svgs(String html) throws Exception {
        List<org.w3c.dom.Document> out = new ArrayList<>();
        Matcher m = SVG.matcher(html);
        while (m.find()) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            out.add(factory.newDocumentBuilder().parse(new InputSource(new StringReader(m.group()))));
        }
        return out;
    }

    /** The number of points of each line (open path) of an SVG chart. */
    static List<Integer> linePoints(org.w3c.dom.Document svg) {
        NodeList paths = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "path");
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < paths.getLength(); i++) {
            org.w3c.dom.Element path = (org.w3c.dom.Element) paths.item(i);
            String d = path.getAttribute("d").trim();
            if (!path.getParentNode().getNodeName().equals("clipPath") && !d.endsWith("Z")) {
                out.add(d.replaceAll("[^ML]", "").length());
            }
        }
        return out;
    }

    /** The value in the key-value row named {@code name} under {@code section}. */
    private static String row(Document doc, String section, String name) {
        for (Element tr : doc.select(section + " table.kv tr")) {
            if (tr.selectFirst("th").text().equals(name)) {
                return tr.selectFirst("td").text();
            }
        }
        throw new AssertionError("no row '" + name + "' in " + section + ":\n" + doc.select(section));
    }

    /** The text after {@code label} on the output line that starts with it. */
    private static String field(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + label + "' in:\n" + out)).substring(label.length()).trim();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static Cli.Result ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }
}
