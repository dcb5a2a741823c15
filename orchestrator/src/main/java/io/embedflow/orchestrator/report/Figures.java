package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading figures out of recorded metrics JSON: absent or non-numeric values are null, never an error. */
final class Figures {
    private Figures() {}

    /** The number at {@code path} ({@code "a/b"} for nested objects), as a Long for integers, or null. */
    static Number number(JsonNode metrics, String path) {
        JsonNode node = metrics.at("/" + path);
        if (!node.isNumber()) {
            return null;
        }
        return node.isIntegralNumber() ? (Number) node.longValue() : (Number) node.doubleValue();
    }

    /** The number at {@code path} as a double, or {@code otherwise}. */
    static double number(JsonNode metrics, String path, double otherwise) {
        Number n = number(metrics, path);
        return n == null ? otherwise : n.doubleValue();
    }

    /** The text at {@code path}, or null. */
    static String text(JsonNode metrics, String path) {
        JsonNode node = metrics.at("/" + path);
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    /** A fraction as a percentage with one decimal, or null. */
    static String percent(Number fraction) {
        return fraction == null ? null : String.format(java.util.Locale.ROOT, "%.1f %%", fraction.doubleValue() * 100);
    }
}
