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

/**
 * {@code embedflow bench allreduce} end to end through the CLI: three worker processes and a small
 * buffer without the training part; then the training part, with few small steps.
 */
class AllReduceBenchmarkIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void threeWorkerProcessesReduceAndTheLastLineHasTheFigures() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"bench", "allreduce", "--workers", "3", "--megabytes", "2", "--iterations", "2",
            "--warmup", "1", "--chunk-bytes", "64k", "--no-train", "--dir", dir.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).as("exit code; out:\n%s\nerr:\n%s", out, err).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).anyMatch(l -> l.startsWith("loopback stream (1 socket)"))
                .anyMatch(l -> l.startsWith("ring all-reduce, 3 processes"));
        Map<String, String> figures = keyValues(lines.get(lines.size() - 1));
        assertThat(figures).containsEntry("workers", "3").containsEntry("megabytes", "2").containsEntry("iterations", "2")
                .containsEntry("chunk_bytes", "65536").doesNotContainKey("gang2_step_overhead");
        for (String key : List.of("allreduce_vs_loopback", "allreduce_mb_s", "allreduce_algo_mb_s", "allreduce_ms",
                "loopback_mb_s", "loopback_ms")) {
            assertThat(Double.parseDouble(figures.get(key))).as(key).isPositive();
        }
        // bus bandwidth is 2(N-1)/N of the algorithm bandwidth
        assertThat(Double.parseDouble(figures.get("allreduce_mb_s")))
                .isCloseTo(Double.parseDouble(figures.get("allreduce_algo_mb_s")) * 4 / 3, org.assertj.core.data.Offset.offset(0.2));
        try (var left = Files.list(dir)) {
            assertThat(left).as("scratch directories left behind").isEmpty();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aGangOfTwoTrainingWorkersIsTimedAgainstAGangOfOne() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"bench", "allreduce", "--megabytes", "1", "--iterations", "1", "--warmup", "0",
            "--train-batch", "4", "--train-steps", "2", "--train-warmup", "1", "--train-threads", "1", "--dir", dir.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).as("exit code; out:\n%s\nerr:\n%s", out, err).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).anyMatch(l -> l.startsWith("1 process, global batch 4"))
                .anyMatch(l -> l.startsWith("2 processes, global batch 8"))
                .anyMatch(l -> l.startsWith("gang2_compute_ratio = "));
        Map<String, String> figures = keyValues(lines.get(lines.size() - 1));
        assertThat(figures).containsEntry("train_batch", "4").containsEntry("train_steps", "2")
                .containsEntry("train_threads", "1").containsKey("allreduce_vs_loopback");
        for (String key : List.of("gang1_step_ms", "gang2_step_ms", "gang2_compute_ratio", "gang1_compute_ms",
                "gang2_compute_ms", "gang2_exchange_ms", "gang2_gather_ms", "gang2_reduce_ms", "gang1_cpu_ms", "gang2_cpu_ms")) {
            assertThat(Double.parseDouble(figures.get(key))).as(key).isPositive();
        }
        double gang1 = Double.parseDouble(figures.get("gang1_step_ms"));
        double gang2 = Double.parseDouble(figures.get("gang2_step_ms"));
        // the step times are printed to 0.1 ms and the overhead to 0.001: it must lie within what those roundings allow
        assertThat(Double.parseDouble(figures.get("gang2_step_overhead")))
                .isBetween((gang2 - 0.05) / (gang1 + 0.05) - 1 - 0.0005, (gang2 + 0.05) / (gang1 - 0.05) - 1 + 0.0005);
        try (var left = Files.list(dir)) {
            assertThat(left).as("scratch directories left behind").isEmpty();
        }
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
