package io.embedflow.orchestrator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.parser.Parser;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** What every report must be: valid HTML5, self-contained, with well-formed inline SVG and no active content. */
final class ReportChecks {
    private static final Pattern SVG = Pattern.compile("<svg[\\s>].*?</svg>", Pattern.DOTALL);

    private ReportChecks() {}

    /** Parses {@code html}, which must have a doctype and parse without a single HTML5 parse error. */
    static Document parseValid(String html) {
        assertThat(html).startsWith("<!doctype html>");
        Parser parser = Parser.htmlParser().setTrackErrors(50);
        Document doc = Jsoup.parse(html, "", parser);
        assertThat(parser.getErrors()).as("HTML5 parse errors").isEmpty();
        assertThat(doc.select("html").attr("lang")).isEqualTo("en");
        assertThat(doc.select("head > meta[charset]").attr("charset")).isEqualToIgnoringCase("utf-8");
        assertThat(doc.title()).isNotBlank();
        assertSelfContained(doc, html);
        return doc;
    }

    /**
     * Nothing loads from elsewhere and nothing runs: no scripts, handlers, external links, stylesheets or
     * fonts; no attribute but a namespace declaration holds a URL ({@code ://}); the inline stylesheet
     * imports and references nothing.
     */
    static void assertSelfContained(Document doc, String html) {
        assertThat(doc.select("script, link, iframe, object, embed, img, base, form")).as("active or loading elements").isEmpty();
        for (Element e : doc.getAllElements()) {
            for (Attribute a : e.attributes()) {
                assertThat(a.getKey()).as("event handler on <%s>", e.tagName()).doesNotStartWith("on");
                if (!a.getKey().startsWith("xmlns")) {
                    assertThat(a.getValue()).as("%s on <%s>", a.getKey(), e.tagName()).doesNotContain("://")
                            .doesNotStartWith("//").doesNotContainIgnoringCase("javascript:");
                }
            }
        }
        for (Element style : doc.select("style")) {
            assertThat(style.data()).doesNotContain("url(").doesNotContain("@import").doesNotContain("@font-face");
        }
        assertThat(doc.select("[style*=url(]")).isEmpty();
    }

    /** The inline SVG elements of {@code html}, each parsed as an XML document (which fails unless it is well-formed). */
    static List<org.w3c.dom.Document> svgs(String html) {
        List<org.w3c.dom.Document> out = new ArrayList<>();
        Matcher m = SVG.matcher(html);
        while (m.find()) {
            try {
                DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
                factory.setNamespaceAware(true);
                out.add(factory.newDocumentBuilder().parse(new InputSource(new StringReader(m.group()))));
            } catch (Exception e) {
                throw new AssertionError("inline SVG is not well-formed XML: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The number of points of each open path (a line series) of an SVG chart. */
    static List<Integer> linePoints(org.w3c.dom.Document svg) {
        NodeList paths = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "path");
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < paths.getLength(); i++) {
            org.w3c.dom.Element path = (org.w3c.dom.Element) paths.item(i);
            String d = path.getAttribute("d").trim();
            if (path.getParentNode().getNodeName().equals("clipPath") || d.endsWith("Z")) {
                continue;
            }
            out.add(d.replaceAll("[^ML]", "").length());
        }
        return out;
    }
}
