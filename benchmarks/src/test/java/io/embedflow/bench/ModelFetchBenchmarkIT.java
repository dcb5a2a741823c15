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

/** {@code embedflow bench model-fetch} end to end through the CLI, with a small model and without awscli. */
class ModelFetchBenchmarkIT {
    @TempDir
    Path dir;

    @Test
    void everyMethodBringsTheWholeSnapshotAndTheLastLineHoldsTheFigures() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"bench", "model-fetch", "--weights", "40m", "--shards", "2", "--repeat", "1",
            "--link-mbps", "4000", "--no-awscli", "--dir", dir.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(code).as("exit code; out:\n%s\nerr:\n%s", out, err).isZero();
        List<String> lines = out.toString().lines().toList();
        Map<String, String> figures = new LinkedHashMap<>();
        for (String pair : lines.get(lines.size() - 1).split(" ")) {
            figures.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        for (String figure : List.of("fetch_gbps", "sequential_gbps", "fetch_vs_sequential", "fetch_vs_store_download")) {
            assertThat(Double.parseDouble(figures.get(figure))).as(figure).isPositive();
        }
        // two weights shards, the tokenizer and serving.properties: 40 MiB + 2 MiB + the properties
        assertThat(figures).containsEntry("fetch_vs_awscli", "n/a").containsEntry("files", "4")
                .containsEntry("link_mbps", "4000");
        assertThat(lines.get(0)).contains("each connection capped at 4000 Mbit/s");
        assertThat(Long.parseLong(figures.get("bytes"))).isGreaterThan(42L << 20);
        assertThat(lines).anyMatch(l -> l.startsWith("SnapshotCache.fetch")).anyMatch(l -> l.startsWith("(a) GetObject"));
        try (var left = Files.list(dir)) {
            assertThat(left).as("scratch directories left behind").isEmpty();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
