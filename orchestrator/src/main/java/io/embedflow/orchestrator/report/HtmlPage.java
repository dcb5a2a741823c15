package io.embedflow.orchestrator.report;

import java.awt.AWTError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jsoup.nodes.DataNode;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.DocumentType;
import org.jsoup.nodes.Element;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One self-contained HTML5 page of a report, built as a jsoup document so that every text and
 * attribute value is escaped on output: callers pass user-controlled strings (paths, model names,
 * error messages) as they are. The page carries its own stylesheet; charts are inline SVG; links
 * point only at other reports in the same folder.
 */
final class HtmlPage {
    private static final Logger LOG = LoggerFactory.getLogger(HtmlPage.class);
    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;\
            margin:0 auto;max-width:1000px;padding:1.5em}
            h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd;\
            padding-bottom:.2em}h3{font-size:1em;margin:1em 0 .4em}
            table{border-collapse:collapse;margin:.4em 0}th,td{padding:.25em .7em;border-bottom:1px solid #eee;\
            text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
            table.kv th{font-weight:600;color:#555;white-space:nowrap}table.kv td.num{text-align:left}
            code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}
            .status{display:inline-block;padding:.1em .6em;border-radius:1em;font-weight:600;font-size:.9em}
            .SUCCEEDED{background:#e3f4e4;color:#1b5e20}.FAILED{background:#fde4e4;color:#b71c1c}
            .RUNNING,.QUEUED{background:#e8eefb;color:#1a3e8c}
            .error{background:#fff4f4;border-left:4px solid #c62828;padding:.6em 1em;white-space:pre-wrap}
            .note{color:#666;font-style:italic}
            figure{margin:.6em 0}figure svg{width:100%;height:auto;max-width:760px;display:block}
            figcaption{color:#555;font-size:.92em}
            details{margin:.4em 0}summary{cursor:pointer;color:#555}
            .better{color:#1b5e20}.worse{color:#b71c1c}
            """;

    private final Document doc;

    HtmlPage(String title) {
        doc = Document.createShell("");
        doc.outputSettings().charset(StandardCharsets.UTF_8).syntax(Document.OutputSettings.Syntax.html);
        doc.prependChild(new DocumentType("html", "", ""));
        doc.selectFirst("html").attr("lang", "en");
        Element head = doc.head();
        head.appendElement("meta").attr("charset", "utf-8");
        head.appendElement("meta").attr("name", "viewport").attr("content", "width=device-width, initial-scale=1");
        head.appendElement("meta").attr("name", "generator").attr("content", "embedflow");
        head.appendElement("title").text(title);
        head.appendElement("style").appendChild(new DataNode(STYLE));
    }

    Element body() {
        return doc.body();
    }

    /** A new {@code <section>} with a heading, at the end of the page. */
    Element section(String heading, String id) {
        Element section = doc.body().appendElement("section").id(id);
        section.appendElement("h2").text(heading);
        return section;
    }

    /** The whole page. */
    String html() {
        return doc.outerHtml();
    }

    /** A two-column table of names and values; a null value shows as a dash. */
    static Element keyValues(Element parent, Map<String, ?> rows) {
        Element table = parent.appendElement("table").addClass("kv");
        for (Map.Entry<String, ?> row : rows.entrySet()) {
            Element tr = table.appendElement("tr");
            tr.appendElement("th").attr("scope", "row").text(row.getKey());
            cell(tr, row.getValue());
        }
        return table;
    }

    /** A table with a header row; numbers are right-aligned, nulls show as a dash. */
    static Element table(Element parent, List<String> headers, List<List<?>> rows) {
        Element table = parent.appendElement("table");
        Element head = table.appendElement("thead").appendElement("tr");
        for (String h : headers) {
            head.appendElement("th").attr("scope", "col").text(h);
        }
        Element body = table.appendElement("tbody");
        for (List<?> row : rows) {
            Element tr = body.appendElement("tr");
            for (Object value : row) {
                cell(tr, value);
            }
        }
        return table;
    }

    private static void cell(Element tr, Object value) {
        Element td = tr.appendElement("td");
        if (value instanceof Element e) {
            td.appendChild(e);
        } else if (value instanceof Number n) {
            td.addClass("num").text(number(n));
        } else {
            td.text(value == null ? "–" : value.toString());
        }
    }

    /**
     * A chart with its caption; a chart that cannot be drawn (no font support in this JVM, say) leaves a
     * note instead, since the figures are in the tables beside it.
     */
    static Element figure(Element parent, String caption, Supplier<String> svg) {
        Element figure = parent.appendElement("figure");
        try {
            figure.appendChild(new DataNode(svg.get()));
        } catch (RuntimeException | LinkageError | AWTError | InternalError e) {
            LOG.warn("chart '{}' not drawn", caption, e);
            figure.appendElement("p").addClass("note").text("(chart not drawn: " + e + ")");
        }
        figure.appendElement("figcaption").text(caption);
        return figure;
    }

    static void note(Element parent, String text) {
        parent.appendElement("p").addClass("note").text(text);
    }

    /** A link to another run's report in the same folder. */
    static Element runLink(String runId) {
        Element a = new Element("a").text(runId);
        if (Reports.isSafeRunId(runId)) {
            a.attr("href", Reports.fileName(runId));
        }
        return a;
    }

    static Element code(String text) {
        return new Element("code").text(text == null ? "–" : text);
    }

    /** Counts with thousands separators; other numbers with up to four decimals. */
    static String number(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short) {
            return String.format(Locale.ROOT, "%,d", n.longValue());
        }
        double d = n.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return String.valueOf(d);
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) d);
        }
        return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.1f", d) : String.format(Locale.ROOT, "%.4f", d)
                .replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
