package io.embedflow.orchestrator.refresh;

import io.embedflow.flink.embed.EmbedOperator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A refresh's measurements for its run record, from the job's {@code embedflow.*} accumulators. */
final class RunMetrics {
    private RunMetrics() {}

    static Map<String, Object> of(Map<String, Object> accumulators, Duration duration) {
        double seconds = Math.max(1e-9, duration.toNanos() / 1e9);
        long rows = count(accumulators, "rows");
        long tokens = count(accumulators, "tokens");
        long padded = count(accumulators, "paddedTokens");
        double forward = count(accumulators, "forwardNanos") / 1e9;
        double embed = count(accumulators, "embedNanos") / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", rows);
        m.put("batches", count(accumulators, "batches"));
        m.put("tokens", tokens);
        m.put("paddedTokens", padded);
        m.put("batchFill", padded == 0 ? 0.0 : round((double) tokens / padded));
        m.put("rowsPerSecond", round(rows / seconds));
        m.put("tokensPerSecond", round(tokens / seconds));
        m.put("forwardSeconds", round(forward));
        m.put("inputWaitSeconds", round(count(accumulators, "inputWaitNanos") / 1e9));
        m.put("tokenizeSeconds", round(count(accumulators, "tokenizeNanos") / 1e9));
        m.put("embedSeconds", round(embed));
        m.put("modelBusy", embed == 0 ? 0.0 : round(forward / embed));
        long bytes = count(accumulators, "bytesRead");
        m.put("bytesRead", bytes);
        m.put("readMegabytesPerSecond", round(bytes / 1e6 / seconds));
        m.put("readWaitSeconds", round(count(accumulators, "readWaitNanos") / 1e9));
        // the embed stage's wall time spent with the model idle for want of input rows
        m.put("inputWaitFraction", embed == 0 ? 0.0 : round(count(accumulators, "inputWaitNanos") / 1e9 / embed));
        if (accumulators.containsKey(EmbedOperator.ACC_PREFIX + "rowsKept")) {
            // an incremental refresh: what it kept of its base version and what it embedded anew
            for (String name : List.of("rowsKept", "rowsNew", "rowsChanged", "rowsDropped", "filesCarried", "filesRewritten")) {
                m.put(name, count(accumulators, name));
            }
        }
        return m;
    }

    private static long count(Map<String, Object> accumulators, String name) {
        Object v = accumulators.get(EmbedOperator.ACC_PREFIX + name);
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
