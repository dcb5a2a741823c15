package io.embedflow.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code embedflow bench retrieval} end to end through the CLI, on a small table. */
class RetrievalBenchmarkIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theBlockedSearchReturnsTheNaiveLoopsRowsAndTheLastLineHasTheFigures() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"bench", "retrieval", "--rows", "3000", "--dimension", "16", "--queries", "40",
            "--naive-queries", "15", "--k", "5", "--block-rows", "256", "--files", "3", "--dir", dir.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).as("exit code; out:\n%s\nerr:\n%s", out, err).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).anyMatch(l -> l.startsWith("table: 3,000 rows x 16 floats in 3 Parquet files"))
                .anyMatch(l -> l.startsWith("(a) naive per-query Java loop"))
                .anyMatch(l -> l.startsWith("(b) blocked top-k, from Parquet"))
                .anyMatch(l -> l.startsWith("(c) blocked top-k, table in memory"))
                .anyMatch(l -> l.startsWith("(a) ran the first 15 of the 40 queries"))
                .anyMatch(l -> l.startsWith("agreement: (b) returned (a)'s rows for all 15 queries"));
        Map<String, String> figures = keyValues(lines.get(lines.size() - 1));
        assertThat(figures).containsEntry("rows", "3000").containsEntry("queries", "40").containsEntry("naive_queries", "15")
                .containsEntry("k", "5").containsEntry("dimension", "16").containsEntry("block_rows", "256")
                .containsEntry("device", "cpu");
        for (String key : List.of("retrieval_vs_naive", "retrieval_qps", "naive_qps", "in_turn_qps", "memory_qps",
                "parquet_scan_s", "retrieval_gflops")) {
            assertThat(Double.parseDouble(figures.get(key))).as(key).isPositive();
        }
        assertThat(Double.parseDouble(figures.get("retrieval_vs_naive")))
                .isCloseTo(Double.parseDouble(figures.get("retrieval_qps")) / Double.parseDouble(figures.get("naive_qps")),
                        org.assertj.core.data.Percentage.withPercentage(5));
        try (var left = Files.list(dir)) {
            assertThat(left).as("scratch directories left behind").isEmpty();
        }
    }

    @Test
    void naiveQueriesBeyondTheBatchAreRefused() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"bench", "retrieval", "--queries", "10", "--naive-queries", "11",
            "--dir", dir.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--naive-queries must be between 1 and --queries (10), was 11");
    }

    private static Map<String, String> keyValues(String line) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : line.split(" ")) {
            int eq = pair.indexOf('=');
            map.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return map;
    }
}
