package io.embedflow.orchestrator.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: anything a Prometheus
 * server would refuse, and some things it would only frown at (a family's samples not together, a
 * histogram whose buckets are not cumulative or whose {@code +Inf} bucket is not its count), throws
 * {@link IllegalArgumentException} naming the line.
 */
public final class PrometheusText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(Inf|NaN|(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One series' value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A metric family: its TYPE (untyped when none was given), HELP (null when none) and samples in order. */
    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    private final Map<String, Family> families;

    private PrometheusText(Map<String, Family> families) {
        this.families = families;
    }

    public Map<String, Family> families() {
        return families;
    }

    /** The value of the one series named {@code name} with exactly {@code labels} (name, value, ...), if present. */
    public Optional<Double> value(String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(name) && s.labels().equals(wanted)).map(Sample::value).findFirst();
    }

    public static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition does not end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length - 1; n++) {
            String line = lines[n];
            String where = "line " + (n + 1) + " '" + line + "'";
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[0].equals("#") && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = require(METRIC_NAME, parts[2], "metric name", where);
                    if (parts[1].equals("HELP")) {
                        if (helps.put(name, parts.length == 4 ? unescape(parts[3], false, where) : "") != null) {
                            throw new IllegalArgumentException("second HELP for " + name + " at " + where);
                        }
                    } else {
                        if (parts.length != 4 || !TYPES.contains(parts[3])) {
                            throw new IllegalArgumentException("bad TYPE at " + where);
                        }
                        if (families.containsKey(name)) {
                            throw new IllegalArgumentException("TYPE of " + name + " after its samples or a second TYPE at " + where);
                        }
                        families.put(name, new Family(name, parts[3], null, new ArrayList<>()));
                    }
                }
                continue;
            }
            Sample sample = sample(line, where);
            Family family = familyOf(sample.name(), families);
            if (family == null) {
                family = new Family(sample.name(), "untyped", null, new ArrayList<>());
                families.put(sample.name(), family);
            }
            if (!family.name().equals(current)) {
                if (!closed.add(family.name())) {
                    throw new IllegalArgumentException("samples of " + family.name() + " are not together: " + where);
                }
                if (current != null) {
                    closed.add(current);
                }
                current = family.name();
            }
            if (!series.add(sample.name() + sample.labels())) {
                throw new IllegalArgumentException("duplicate series at " + where);
            }
            family.samples().add(sample);
        }
        Map<String, Family> result = new LinkedHashMap<>();
        families.forEach((name, f) -> result.put(name, new Family(name, f.type(), helps.get(name), List.copyOf(f.samples()))));
        result.values().stream().filter(f -> f.type().equals("histogram")).forEach(PrometheusText::checkHistogram);
        return new PrometheusText(result);
    }

    /** The family a sample belongs to, by its TYPE: {@code x_bucket}, {@code x_sum} and {@code x_count} belong to histogram {@code x}. */
    private static Family familyOf(String sample, Map<String, Family> families) {
        Family exact = families.get(sample);
        if (exact != null) {
            return exact;
        }
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (sample.endsWith(suffix)) {
                Family f = families.get(sample.substring(0, sample.length() - suffix.length()));
                if (f != null && (f.type().equals("histogram") || (f.type().equals("summary") && !suffix.equals("_bucket")))) {
                    return f;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = require(METRIC_NAME, line.substring(0, i), "metric name", where);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new IllegalArgumentException("label without '=' at " + where);
                }
                String label = require(LABEL_NAME, line.substring(i, eq), "label name", where);
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted at " + where);
                }
                int j = eq + 2;
                StringBuilder raw = new StringBuilder();
                while (j < line.length() && line.charAt(j) != '"') {
                    if (line.charAt(j) == '\\' && j + 1 < line.length()) {
                        raw.append(line.charAt(j++));
                    }
                    raw.append(line.charAt(j++));
                }
                if (j >= line.length()) {
                    throw new IllegalArgumentException("unterminated label value at " + where);
                }
                if (labels.put(label, unescape(raw.toString(), true, where)) != null) {
                    throw new IllegalArgumentException("label " + label + " twice at " + where);
                }
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                } else if (i >= line.length() || line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' at " + where);
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("no value at " + where);
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2 || (rest.length == 2 && !rest[1].matches("-?\\d+"))) {
            throw new IllegalArgumentException("expected a value and an optional integer timestamp at " + where);
        }
        String value = require(FLOAT, rest[0], "value", where);
        double parsed = value.endsWith("Inf") ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : value.endsWith("NaN") ? Double.NaN : Double.parseDouble(value);
        return new Sample(name, Map.copyOf(labels), parsed);
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples()) {
            if (s.name().equals(f.name() + "_bucket")) {
                if (!s.labels().containsKey("le")) {
                    throw new IllegalArgumentException("bucket without 'le' in " + f.name() + ": " + s);
                }
                Map<String, String> series = new TreeMap<>(s.labels());
                series.remove("le");
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            } else if (s.name().equals(f.name() + "_count")) {
                counts.put(s.labels(), s.value());
            }
        }
        buckets.forEach((series, list) -> {
            double previousBound = Double.NEGATIVE_INFINITY;
            double previous = 0;
            for (Sample b : list) {
                double bound = Double.parseDouble(b.labels().get("le").replace("+Inf", "Infinity"));
                if (bound <= previousBound || b.value() < previous) {
                    throw new IllegalArgumentException("buckets of " + f.name() + series + " are not ordered or not cumulative");
                }
                previousBound = bound;
                previous = b.value();
            }
            if (previousBound != Double.POSITIVE_INFINITY || !counts.containsKey(series) || counts.get(series) != previous) {
                throw new IllegalArgumentException("histogram " + f.name() + series + " lacks a +Inf bucket equal to its count");
            }
        });
    }

    private static String require(Pattern pattern, String text, String what, String where) {
        if (!pattern.matcher(text).matches()) {
            throw new IllegalArgumentException("bad " + what + " '" + text + "' at " + where);
        }
        return text;
    }

    /** Undoes {@code \\} and {@code \n} (and {@code \"} in label values); any other escape is an error. */
    private static String unescape(String text, boolean labelValue, String where) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = i + 1 < text.length() ? text.charAt(++i) : ' ';
            switch (next) {
                case '\\' -> out.append('\\');
                case 'n' -> out.append('\n');
                case '"' -> {
                    if (!labelValue) {
                        throw new IllegalArgumentException("escaped quote in HELP at " + where);
                    }
                    out.append('"');
                }
                default -> throw new IllegalArgumentException("bad escape '\\" + next + "' at " + where);
            }
        }
        return out.toString();
    }
}
