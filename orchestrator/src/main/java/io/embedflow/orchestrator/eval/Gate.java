package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One condition a candidate must meet before it may take an alias, such as
 * {@code recall@10 >= baseline + 0.01}: a metric, a comparison, and a threshold that is linear in
 * the baseline's value of the same metric, {@code baselineFactor * baseline + offset}, or a
 * constant {@code offset}.
 *
 * <p>Grammar (see {@link #parse}): {@code METRIC OP THRESHOLD} with OP one of {@code >=, >, <=, <,
 * ==} and THRESHOLD one of {@code N}, {@code baseline}, {@code N * baseline}, {@code baseline * N},
 * and those with {@code baseline} followed by {@code + N} or {@code - N}; N is an unsigned
 * decimal number. Spaces are optional.
 *
 * <p>Thresholds and comparisons are exact on the decimal values the doubles print as, so
 * {@code 0.79 >= baseline + 0.01} holds for a baseline of 0.78 as written, and {@code ==} means
 * equal to the last printed digit.
 *
 * <pre>{@code
 * Gate gate = Gate.parse("rows_per_s >= 0.8 * baseline");
 * GateResult r = gate.evaluate(candidate.metrics(), baseline.metrics());
 * }</pre>
 *
 * @param expression the text it was parsed from
 * @param metric the compared metric, such as {@code recall@10} or {@code rows_per_s}
 * @param usesBaseline whether the threshold depends on the baseline (so the baseline must have the metric)
 * @param baselineFactor the baseline's coefficient; 0 when the baseline is not used
 * @param offset the constant added to the scaled baseline, or the whole threshold
 */
public record Gate(String expression, String metric, Comparison comparison, boolean usesBaseline,
        double baselineFactor, double offset) {

    private static final Pattern METRIC = Pattern.compile("[A-Za-z_][A-Za-z0-9_@.]*");

    public Gate {
        if (metric == null || !METRIC.matcher(metric).matches() || metric.equals(GateParser.BASELINE)) {
            throw new OrchestratorException("invalid gate metric '" + metric + "': a metric name starts with a letter or "
                    + "'_' and has letters, digits, '_', '@' and '.'");
        }
        if (comparison == null) {
            throw new OrchestratorException("gate on " + metric + " has no comparison");
        }
        if (!Double.isFinite(baselineFactor) || !Double.isFinite(offset)) {
            throw new OrchestratorException("gate on " + metric + " has a threshold that is not finite: "
                    + baselineFactor + " * baseline + " + offset);
        }
        if (!usesBaseline && baselineFactor != 0) {
            throw new OrchestratorException("gate on " + metric + " scales the baseline by " + baselineFactor
                    + " but does not use the baseline");
        }
        if (expression == null || expression.isBlank()) {
            throw new OrchestratorException("gate on " + metric + " needs the expression it was written as");
        }
    }

    /**
     * Parses {@code expression}.
     *
     * @throws OrchestratorException naming the expression, the position and the token found there
     */
    public static Gate parse(String expression) {
        return GateParser.parse(expression);
    }

    /** The threshold for a baseline value of {@code baselineValue} (ignored unless {@link #usesBaseline()}). */
    public double threshold(double baselineValue) {
        return thresholdValue(BigDecimal.valueOf(baselineValue)).doubleValue();
    }

    /** The expression in one spelling: spaces around operators, {@code N * baseline}, no {@code + 0}. */
    public String canonical() {
        return metric + " " + comparison.symbol() + " " + thresholdText(GateParser.BASELINE);
    }

    /**
     * Compares the candidate's value of {@link #metric()} with the threshold.
     *
     * @param candidate the candidate's metrics, such as {@link RankingMetrics#means()} plus throughput
     * @param baseline the baseline's metrics on the same evaluation (the alias's current version);
     *     read only when {@link #usesBaseline()}; null or empty when there is no baseline
     * @throws OrchestratorException if a needed map lacks the metric (naming the metrics it has) or
     *     its value is not a finite number
     */
    public GateResult evaluate(Map<String, Double> candidate, Map<String, Double> baseline) {
        double value = valueOf(candidate, "candidate");
        Double baselineValue = null;
        if (usesBaseline) {
            if (baseline == null || baseline.isEmpty()) {
                throw new OrchestratorException("gate '" + expression + "' compares with the baseline, but there is no "
                        + "baseline");
            }
            baselineValue = valueOf(baseline, "baseline");
        }
        BigDecimal threshold = thresholdValue(baselineValue == null ? BigDecimal.ZERO : BigDecimal.valueOf(baselineValue));
        boolean passed = comparison.holds(BigDecimal.valueOf(value), threshold);
        String[] shown = distinguishable(value, threshold.doubleValue());
        String explanation = metric + " " + shown[0] + " " + comparison.symbol() + " " + shown[1]
                + (usesBaseline ? " (" + thresholdText("baseline " + format(baselineValue, 4)) + ")" : "")
                + (passed ? ": pass" : ": fail");
        return new GateResult(this, value, baselineValue, threshold.doubleValue(), passed, explanation);
    }

    private double valueOf(Map<String, Double> metrics, String whose) {
        if (metrics == null || !metrics.containsKey(metric)) {
            String available = metrics == null || metrics.isEmpty() ? "none" : String.join(", ", new TreeSet<>(metrics.keySet()));
            throw new OrchestratorException("gate '" + expression + "': metric " + metric + " is missing from the "
                    + whose + "'s metrics (available: " + available + ")");
        }
        Double value = metrics.get(metric);
        if (value == null || !Double.isFinite(value)) {
            throw new OrchestratorException("gate '" + expression + "': the " + whose + "'s " + metric + " is " + value
                    + ", not a finite number");
        }
        return value;
    }

    private BigDecimal thresholdValue(BigDecimal baselineValue) {
        BigDecimal constant = BigDecimal.valueOf(offset);
        return usesBaseline ? BigDecimal.valueOf(baselineFactor).multiply(baselineValue).add(constant) : constant;
    }

    /** The threshold written with {@code baseline} standing for the baseline's value. */
    private String thresholdText(String baseline) {
        if (!usesBaseline) {
            return plain(offset);
        }
        String scaled = baselineFactor == 1 ? baseline : plain(baselineFactor) + " * " + baseline;
        if (offset == 0) {
            return scaled;
        }
        return scaled + (offset > 0 ? " + " : " - ") + plain(Math.abs(offset));
    }

    private static String plain(double number) {
        return BigDecimal.valueOf(number).stripTrailingZeros().toPlainString();
    }

    /** Both values with 4 decimals, or as many more as it takes to show that they differ. */
    private static String[] distinguishable(double a, double b) {
        int decimals = 4;
        while (decimals < 12 && a != b && format(a, decimals).equals(format(b, decimals))) {
            decimals++;
        }
        return new String[] {format(a, decimals), format(b, decimals)};
    }

    private static String format(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
