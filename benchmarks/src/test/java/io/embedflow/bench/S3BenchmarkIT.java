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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embedflow bench s3} end to end through the CLI, with tiny object sets and without awscli. */
class S3BenchmarkIT {
    /** {@code --large-total 64m} and {@code --small-total 16m}. */
    private static final long LARGE_TOTAL = 64L << 20;
    private static final long SMALL_TOTAL = 16L << 20;

    @TempDir
    Path dir;

    @Test
    void readsEveryByteOfBothSetsAndEndsWithFigures() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"bench", "s3", "--large-total", "64m", "--large-object", "16m",
            "--small-total", "16m", "--small-object", "1m", "--concurrency", "4", "--budget", "64m", "--no-awscli",
            "--dir", dir.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).as("exit code; out:\n%s\nerr:\n%s", out, err).isZero();
        List<String> lines = out.toString().lines().toList();
        Map<String, String> figures = keyValues(lines.get(lines.size() - 1));
        for (String set : List.of("large", "small")) {
            for (String method : List.of("prefetch", "ceiling", "naive", "local")) {
                assertThat(Double.parseDouble(figures.get(set + "_" + method + "_gbps"))).as(set + " " + method)
                        .isPositive();
            }
            assertThat(figures).containsEntry(set + "_awscli_gbps", "n/a").containsEntry(set + "_prefetch_retries", "0");
        }
        assertThat(figures).containsEntry("prefetch_vs_awscli", "n/a").containsEntry("concurrency", "4")
                .containsEntry("budget_bytes", String.valueOf(64L << 20));
        assertThat(Double.parseDouble(figures.get("prefetch_vs_ceiling"))).isPositive();
        assertThat(Double.parseDouble(figures.get("prefetch_vs_naive"))).isPositive();

        // (a), (c), the two ceilings and local disk each read the whole set; (b) did not run
        String large = String.valueOf(LARGE_TOTAL);
        String small = String.valueOf(SMALL_TOTAL);
        assertThat(rowBytes(lines, "large")).containsExactly(large, "n/a", large, large, large, large);
        assertThat(rowBytes(lines, "small")).containsExactly(small, "n/a", small, small, small, small);
        try (var left = Files.list(dir)) {
            assertThat(left).as("scratch directories left behind").isEmpty();
        }
    }

    private static Map<String, String> keyValues(String line) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : line.split(" ")) {
            int eq = pair.indexOf('=');
            assertThat(eq).as("'%s' in the last line is not key=value", pair).isPositive();
            map.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return map;
    }

    /** The bytes column of the set's table rows: right-aligned under the header's "bytes". */
    private static List<String> rowBytes(List<String> lines, String set) {
        String header = lines.stream().filter(l -> l.startsWith("set ")).findFirst().orElseThrow();
        int end = header.indexOf(" bytes ") + " bytes".length();
        return lines.stream()
                .filter(l -> l.startsWith(set + " "))
                .map(l -> {
                    String[] cells = l.substring(0, end).trim().split("\\s+");
                    return cells[cells.length - 1];
                })
                .toList();
    }
}
